#!/usr/bin/env bash
# S3 against local directory: the same Summit DR backup and restore into a repository on a local
# directory and on an S3-compatible server (S3Proxy, in memory, on 127.0.0.1 — the real S3 protocol
# with SigV4, multipart uploads and conditional writes, without network latency), interleaved per
# run. Prints wall time, MB/s and the store requests per GiB of new data, and appends raw rows to
# bench/results/s3-compare.tsv.
#
# Usage: bench/s3-compare.sh [DATA_DIR] [RUNS]
#   DATA_DIR  tree to back up; default: 1 GiB generated once under BENCH_WORK (32 × 16 MiB random
#             files and 32 × 16 MiB of log-like text: half incompressible, half compressible)
#   RUNS      default 3
# Environment: BENCH_WORK (default /tmp/summit-bench/s3), RESULTS, SUMMIT (default ./summit-dr),
# CACHE (cold|warm|auto), S3_SERVER_HEAP (default 6g: the server keeps objects in memory).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

RUNS=${2:-3}
WORK=${BENCH_WORK:-/tmp/summit-bench/s3}
RESULTS=${RESULTS:-$ROOT/bench/results/s3-compare.tsv}
SUMMIT=${SUMMIT:-$ROOT/summit-dr}
need_commands /usr/bin/time:time python3:python3 curl:curl
mkdir -p "$WORK" "$(dirname "$RESULTS")"

DATA=${1:-$WORK/data}
if [ ! -d "$DATA" ]; then
  mkdir -p "$DATA"
  for i in $(seq 1 32); do head -c 16M /dev/urandom > "$DATA/random$i"; done
  python3 - "$DATA" <<'PY'
import random, sys
r = random.Random(1)
words = "summit backup restore wal segment pack index tree chunk epoch key lease prune".split()
for i in range(32):
    with open(f"{sys.argv[1]}/text{i}", "w") as f:
        n = 0
        while n < 16 * 1024 * 1024:
            line = " ".join(r.choice(words) for _ in range(12)) + " %d\n" % r.randint(0, 10**9)
            f.write(line); n += len(line)
PY
fi
read -r FILES BYTES < <(tree_stats "$DATA")

# The server: S3Proxy from the bench module's test class path.
(cd "$ROOT" && mvn -q -pl bench -am install -DskipTests >/dev/null \
  && mvn -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >/dev/null)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret-key
java -Xmx"${S3_SERVER_HEAP:-6g}" -cp "$ROOT/bench/target/test-classes:$(cat "$WORK/cp.txt")" dr.summit.bench.LoopbackS3Server \
  "$PORT" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" bench > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK/repo" "$WORK/restore"' EXIT
for _ in $(seq 1 300); do grep -q READY "$WORK/server.log" && break; sleep 0.1; done
grep -q READY "$WORK/server.log" || { cat "$WORK/server.log" >&2; exit 1; }

resolve_cache_mode
export SUMMIT_PASSWORD=bench-password
MACHINE=$(machine_label)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
[ -s "$RESULTS" ] || printf 'date\tmachine\tcache\tstore\top\trun\twall_s\tcpu_s\trss_kib\tputs\tput_bytes\tgets\tget_bytes\theads\tlists\tnew_bytes\ttree_bytes\n' > "$RESULTS"
ROWS=$WORK/rows.tsv; : > "$ROWS"

requests() {   # JSON file → "puts putBytes gets getBytes heads lists newBytes"
  python3 - "$1" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith('{"message_type":"summary"')]
d = json.loads(lines[-1]) if lines else json.load(open(sys.argv[1]))   # backup/restore --json: NDJSON, summary last
r = d["requests"]
new = d.get("summary", {}).get("newBytes", 0) if isinstance(d.get("summary"), dict) else 0
print(r["puts"], r["putBytes"], r["gets"], r["getBytes"], r["heads"], r["lists"], new)
PY
}

for run in $(seq 1 "$RUNS"); do
  for store in local s3; do
    rm -rf "$WORK/repo" "$WORK/restore"
    if [ $store = local ]; then REPO=$WORK/repo; else REPO="s3:http://127.0.0.1:$PORT/bench/run$run"; fi
    "$SUMMIT" init --repo "$REPO" >/dev/null
    prepare_caches "$DATA"
    measure "$WORK/backup.log" "$SUMMIT" backup --repo "$REPO" --json "$DATA"
    read -r p pb g gb h l nb < <(requests "$WORK/backup.log")
    printf '%s\t%s\t%s\t%s\tbackup\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DATE" "$MACHINE" "$CACHE_MODE" $store "$run" \
      "$M_WALL" "$M_CPU" "$M_RSS" $p $pb $g $gb $h $l $nb "$BYTES" | tee -a "$RESULTS" >> "$ROWS"
    prepare_caches "$WORK/repo"
    measure "$WORK/restore.log" "$SUMMIT" restore latest --repo "$REPO" --target "$WORK/restore" --json
    read -r p pb g gb h l nb < <(requests "$WORK/restore.log")
    printf '%s\t%s\t%s\t%s\trestore\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$DATE" "$MACHINE" "$CACHE_MODE" $store "$run" \
      "$M_WALL" "$M_CPU" "$M_RSS" $p $pb $g $gb $h $l "$nb" "$BYTES" | tee -a "$RESULTS" >> "$ROWS"
  done
done

echo
echo "Summit DR, local directory vs S3 (S3Proxy on 127.0.0.1), $((BYTES / 1048576)) MiB in $FILES files, $RUNS runs, $CACHE_MODE caches, $MACHINE"
echo
echo "| store | step | wall s (median, min–max) | MB/s | peak RSS MiB | PUT-class / GiB new | GET / GiB | HEAD / GiB | LIST |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
sort -t$'\t' -k4,4 -k5,5 "$ROWS" | awk -F'\t' -v bytes="$BYTES" '
  { key = $4 "\t" $5; n[key]++; w[key, n[key]] = $7; rss[key] = ($9 > rss[key] ? $9 : rss[key]);
    puts[key] += $10; gets[key] += $12; heads[key] += $14; lists[key] += $15; newb[key] += ($5 == "backup" ? $16 : 0) }
  END {
    for (key in n) {
      m = n[key]; for (i = 1; i <= m; i++) v[i] = w[key, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
      split(key, k, "\t")
      gib = (k[2] == "backup" ? newb[key] : bytes * m) / 1073741824
      printf "| %s | %s | %.2f (%.2f–%.2f) | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", k[1], k[2], med, v[1], v[m],
        bytes / 1e6 / med, rss[key] / 1024, puts[key] / gib, gets[key] / gib, heads[key] / gib, lists[key] / m
    }
  }' | sort
