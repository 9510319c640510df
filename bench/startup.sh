#!/usr/bin/env bash
# Start-up of the CLI: `summit-dr --version` and `summit-dr snapshots` on JDK 17 with the launcher's
# class-data archive, against a newer JDK (JDK_NEW, default Temurin 25) plain, with its AOT cache
# (JEP 483/514, trained on `summit-dr demo --no-postgres`) and with compact object headers; and
# `restic snapshots` on an empty repository. Medians of RUNS (default 5) wall times.
#
# Usage: bench/startup.sh [REPO]   REPO: a Summit repository to list (default: a new empty one)
# Password: SUMMIT_PASSWORD (default "bench"). The AOT cache is written under $BENCH_WORK.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"
need_commands /usr/bin/time:time restic:restic
RUNS=${RUNS:-5}
WORK=${BENCH_WORK:-/tmp/summit-bench/startup}
JDK_NEW=${JDK_NEW:-$(ls -d /usr/lib/jvm/temurin-2[4-9]* 2>/dev/null | tail -n 1)}
export SUMMIT_PASSWORD=${SUMMIT_PASSWORD:-bench} RESTIC_PASSWORD=bench
rm -rf "$WORK"; mkdir -p "$WORK"
"$ROOT/summit-dr" --version >/dev/null   # builds the jar and its CDS archive when needed
JAR=$ROOT/cli/target/summit-dr.jar; JSA=$ROOT/cli/target/summit-dr.jsa
REPO=${1:-$WORK/repo}
[ -n "${1:-}" ] || "$ROOT/summit-dr" init --repo "$REPO" >/dev/null
restic init -r "$WORK/restic" >/dev/null 2>&1
OPTS=(-Xmx256m -XX:+UseSerialGC --add-opens java.base/sun.nio.fs=ALL-UNNAMED)

median() {  # label, command...: prints the median wall time of RUNS runs
  local label=$1 times=() i; shift
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f %e -o "$WORK/t" "$@" >/dev/null 2>&1 </dev/null || { echo "$label: failed"; return; }
    times+=("$(cat "$WORK/t")")
  done
  printf '%-36s %s s   (%s)\n' "$label" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "${times[*]}"
}

for cmd in "--version" "snapshots --repo $REPO"; do
  read -r -a args <<< "$cmd"
  median "17+CDS ${args[0]}" java "${OPTS[@]}" -XX:SharedArchiveFile="$JSA" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$JAR" "${args[@]}"
  if [ -n "$JDK_NEW" ]; then
    [ -f "$WORK/app.aot" ] || "$JDK_NEW/bin/java" "${OPTS[@]}" -XX:AOTCacheOutput="$WORK/app.aot" -jar "$JAR" \
      demo --no-postgres --size-mib 4 --dir "$WORK/demo" >/dev/null 2>&1
    median "$(basename "$JDK_NEW") ${args[0]}" "$JDK_NEW/bin/java" "${OPTS[@]}" -jar "$JAR" "${args[@]}"
    median "$(basename "$JDK_NEW")+AOT ${args[0]}" "$JDK_NEW/bin/java" "${OPTS[@]}" -XX:AOTCache="$WORK/app.aot" -jar "$JAR" "${args[@]}"
    median "$(basename "$JDK_NEW")+AOT+COH ${args[0]}" "$JDK_NEW/bin/java" "${OPTS[@]}" -XX:+UseCompactObjectHeaders \
      -XX:AOTCache="$WORK/app.aot" -jar "$JAR" "${args[@]}"
  fi
done
median "restic snapshots" restic -r "$WORK/restic" snapshots
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"
