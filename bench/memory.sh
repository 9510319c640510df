#!/usr/bin/env bash
# Memory benchmark: does peak RSS of summit-dr grow with the data? Backs up (then re-backs up
# unchanged, then restores) generated data of different sizes and file counts, one fresh
# repository each, and prints peak RSS (GNU time %M) with wall time and throughput.
#
# Usage: bench/memory.sh [--sizes LIST] [--files LIST] [--ops LIST]
#   --sizes  comma-separated sizes of one incompressible file (head -c suffixes: M = MiB, G = GiB);
#            default 64M,256M (a quick check); the issue's comparison: --sizes 1G,8G
#   --files  comma-separated counts of small files (1–400 random bytes, 1,000 per directory);
#            default 2000,20000; the issue's comparison: --files 20000,1000000
#   --ops    comma-separated subset of backup,rebackup,restore (default all three)
#   Full size: bench/memory.sh --sizes 1G,8G --files 20000,1000000
#   (needs about 3 × the largest size free under BENCH_WORK; the 1M-file set takes minutes to make)
#
# Environment: BENCH_WORK (default /tmp/summit-bench/memory, removed at the end unless
# BENCH_KEEP=1), RESULTS (default bench/results/memory.tsv), CACHE (cold|warm|auto, as in
# file-backup.sh), SUMMIT (default ./summit-dr), SUMMIT_JAVA_OPTS (passed to the launcher: the heap
# cap is what peak RSS mostly shows), SUMMIT_INIT_ARGS, RUNS (default 1), BENCH_MACHINE.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

SIZES=64M,256M
COUNTS=2000,20000
OPS=backup,rebackup,restore
while [ $# -gt 0 ]; do
  case $1 in
    --sizes) SIZES=$2; shift 2 ;;
    --files) COUNTS=$2; shift 2 ;;
    --ops) OPS=$2; shift 2 ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
  esac
done
RUNS=${RUNS:-1}
WORK=${BENCH_WORK:-/tmp/summit-bench/memory}
RESULTS=${RESULTS:-$ROOT/bench/results/memory.tsv}
SUMMIT=${SUMMIT:-$ROOT/summit-dr}
read -r -a SUMMIT_INIT_EXTRA <<< "${SUMMIT_INIT_ARGS:-}"

summit_bench_start
mkdir -p "$WORK" "$(dirname "$RESULTS")"
[ -s "$RESULTS" ] || echo "date	machine	cache	version	java_opts	data	op	run	wall_s	cpu_s	max_rss_kib	data_bytes	data_files" > "$RESULTS"
: > "$WORK/rows.tsv"

make_bytes() {  # dir, size: one file of seeded incompressible bytes (AES-256-CTR keystream)
  mkdir -p "$1"
  # openssl dies of SIGPIPE when head has enough: not a failure
  (set +o pipefail; openssl enc -aes-256-ctr -nosalt -K "$(printf '%064d' 7)" -iv "$(printf '%032d' 7)" \
    < /dev/zero 2>/dev/null | head -c "$2" > "$1/big.bin")
}

make_files() {  # dir, count: small files of 1–400 seeded random bytes, 1,000 per directory
  python3 - "$1" "$2" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
for i in range(n):
    d = os.path.join(root, f"d{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i % 1000:03d}"), "wb") as f:
        f.write(rng.randbytes(rng.randint(1, 400)))
PY
}

bench_one() {  # label, data dir
  local label=$1 data=$2 files bytes run op repo="$WORK/repo" target="$WORK/restore"
  read -r files bytes < <(tree_stats "$data")
  for run in $(seq 1 "$RUNS"); do
    rm -rf "$repo"
    "$SUMMIT" init --repo "$repo" "${SUMMIT_INIT_EXTRA[@]}" > "$WORK/init.log" 2>&1 </dev/null \
      || { cat "$WORK/init.log" >&2; exit 1; }
    for op in ${OPS//,/ }; do
      case $op in
        backup|rebackup)
          prepare_caches "$data"
          measure "$WORK/$op.log" "$SUMMIT" backup --repo "$repo" --json "$data" </dev/null ;;
        restore)
          rm -rf "$target"
          prepare_caches "$repo"
          measure "$WORK/$op.log" "$SUMMIT" restore --repo "$repo" latest --target "$target" </dev/null
          rm -rf "$target" ;;
        *) echo "unknown op '$op' (backup, rebackup, restore)" >&2; exit 2 ;;
      esac
      local row="$(date -u +%FT%TZ)	$MACHINE	$CACHE_MODE	$VERSION	${SUMMIT_JAVA_OPTS:-launcher default}	$label	$op	$run	$M_WALL	$M_CPU	$M_RSS	$bytes	$files"
      echo "$row" >> "$RESULTS"
      echo "$row" >> "$WORK/rows.tsv"
      echo "  $label $op: wall ${M_WALL}s, peak RSS $((M_RSS / 1024)) MiB" >&2
    done
  done
  rm -rf "$repo"
}

for size in ${SIZES//,/ }; do
  [ -n "$size" ] || continue
  echo "one file of $size" >&2
  rm -rf "$WORK/data"; make_bytes "$WORK/data" "$size"
  bench_one "one $size file" "$WORK/data"
done
for count in ${COUNTS//,/ }; do
  [ -n "$count" ] || continue
  echo "$count small files" >&2
  rm -rf "$WORK/data"; make_files "$WORK/data" "$count"
  bench_one "$count files" "$WORK/data"
done
rm -rf "$WORK/data"

echo
echo "Summit DR ($VERSION), launcher options: ${SUMMIT_JAVA_OPTS:-launcher defaults}. Machine: $MACHINE. $(date -u +%F). Caches: $CACHE_MODE."
echo
echo "| data | step | run | wall s | CPU s | peak RSS MiB | throughput |"
echo "|---|---|---|---|---|---|---|"
awk -F'\t' '{
  thr = ($13 > 1) ? sprintf("%.0f files/s", $13 / ($9 > 0 ? $9 : 1)) : sprintf("%.0f MiB/s", $12 / 1048576 / ($9 > 0 ? $9 : 1))
  printf "| %s | %s | %s | %.2f | %.2f | %.0f | %s |\n", $6, $7, $8, $9, $10, $11 / 1024, thr
}' "$WORK/rows.tsv"
echo
echo "Raw rows appended to $RESULTS"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"
