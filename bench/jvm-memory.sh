#!/usr/bin/env bash
# Peak RSS of Summit DR's file commands under different JVM options, with restic in the same run
# (issue 19, item 6; docs/benchmarks.md "Memory, round 2"). Per option set: a first backup of DATA
# into a new repository, an unchanged re-backup, a restore of it; each timed with
# /usr/bin/time (wall s, user+sys CPU s, peak RSS MiB). Warm cache: run it twice, or read DATA first.
#
# Usage: bench/jvm-memory.sh DATA OPTS...
#   OPTS: "restic" (restic 0.14+, --compression auto), "default" (the launcher's own options),
#         or a JVM option string given to the launcher as SUMMIT_JAVA_OPTS.
#   Each step's stdout goes to $WORK/out-N-STEP (N: the option set's position), e.g. the NMT
#   summary of "-XX:NativeMemoryTracking=summary -XX:+UnlockDiagnosticVMOptions -XX:+PrintNMTStatistics".
# Environment: WORK (default /tmp/summit-bench/jvm-memory; emptied first), SUMMIT (launcher).
# Needs about twice DATA free. Run under the build lock (docs: working rules).
set -uo pipefail
DATA=${1:?usage: bench/jvm-memory.sh DATA OPTS...}; shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${SUMMIT:-$ROOT/summit-dr}
W=${WORK:-/tmp/summit-bench/jvm-memory}
rm -rf "$W"; mkdir -p "$W"
export SUMMIT_PASSWORD=bench RESTIC_PASSWORD=bench
unset SUMMIT_PASSWORD_FILE RESTIC_PASSWORD_FILE SUMMIT_REPOSITORY RESTIC_REPOSITORY
n=0
measure() {  # STEP COMMAND...: prints "wall cpu rss"
  local step=$1 e u s r; shift
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" > "$W/out-$n-$step" 2> "$W/err" || { echo "FAILED: $(tail -n 1 "$W/err")"; return; }
  read -r e u s r < "$W/time"
  echo "$e $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') $((r / 1024))"
}
echo "| options | first: wall s / CPU s / RSS MiB | unchanged | restore |"
echo "| --- | --- | --- | --- |"
for opts in "$@"; do
  n=$((n + 1))
  rm -rf "$W/repo" "$W/restore"
  if [ "$opts" = restic ]; then
    restic init --repo "$W/repo" --repository-version 2 > /dev/null 2>&1
    run() { local step=$1; shift; measure "$step" restic --repo "$W/repo" "$@"; }
    first=$(run first backup --compression auto "$DATA"); again=$(run unchanged backup --compression auto "$DATA")
    restore=$(run restore restore latest --target "$W/restore")
  else
    "$S" init --repo "$W/repo" > /dev/null 2>&1
    run() { local step=$1; shift
      if [ "$opts" = default ]; then measure "$step" "$S" "$@"; else SUMMIT_JAVA_OPTS="$opts" measure "$step" "$S" "$@"; fi; }
    first=$(run first backup --repo "$W/repo" "$DATA"); again=$(run unchanged backup --repo "$W/repo" "$DATA")
    restore=$(run restore restore --repo "$W/repo" latest --target "$W/restore")
  fi
  echo "| $opts | $first | $again | $restore |"
done
rm -rf "$W/repo" "$W/restore"
