#!/usr/bin/env bash
# Scaling benchmark (issue 19, item 8): how backup time and peak memory grow with the data — files
# from 1 to 4 GiB, PostgreSQL from pgbench -s 50 to -s 200 — and the index's bytes per chunk.
# Time should grow linearly with the data, peak memory stay flat.
#
# Usage: bench/scaling.sh [--files LIST] [--pg LIST]
#   --files  comma-separated GiB counts (default 1,2,4; "" for none). The tree of N GiB is parts
#            0..N-1 of bench/make-scaling-tree.py (1 GiB each, ~6,300 files of log-normal sizes,
#            60 % base64 text, 40 % incompressible, nothing repeated), built once under BENCH_WORK.
#            Each size: a fresh repository, `backup` of the parts (cache as CACHE), an unchanged
#            re-backup, then `stats --json` for the index: entries and bytes held in memory.
#   --pg     comma-separated pgbench scales (default 50,100,200; "" for none): one
#            bench/pg-compare.sh run per scale (TOOLS, default "summit pgbackrest", pgbench 10 s,
#            WAL_PUSH_SEGMENTS=2), its rows copied here: full backup, second backup, restore.
#
# Environment: BENCH_WORK (default /tmp/summit-bench/scaling; the tree is kept there for the next
# run, repositories are removed), RESULTS (default bench/results/scaling.tsv), CACHE (cold|warm|auto
# as in file-backup.sh), SUMMIT (default ./summit-dr), SUMMIT_JAVA_OPTS (launcher defaults when
# unset: the heap is sized from the machine, not the data), BENCH_MACHINE.
# Runs as root for --pg (pg-compare.sh's rules) and for CACHE=cold.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

FILES=1,2,4
SCALES=50,100,200
while [ $# -gt 0 ]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --pg) SCALES=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) sed -n '6,16p' "$0" >&2; exit 2 ;;
  esac
done
WORK=${BENCH_WORK:-/tmp/summit-bench/scaling}
RESULTS=${RESULTS:-$ROOT/bench/results/scaling.tsv}
SUMMIT=${SUMMIT:-$ROOT/summit-dr}
summit_bench_start
DATE=$(date -u +%FT%TZ)
mkdir -p "$WORK" "$(dirname "$RESULTS")"
[ -s "$RESULTS" ] || echo "date	machine	cache	version	data	size	op	wall_s	cpu_s	max_rss_kib	data_bytes	data_files	repo_bytes	index_entries	index_memory_bytes" > "$RESULTS"
ROWS=$WORK/rows.tsv
: > "$ROWS"

row() {  # data size op data_bytes files repo_bytes entries index_bytes (uses M_*)
  local line="$DATE	$MACHINE	$CACHE_MODE	$VERSION	$1	$2	$3	$M_WALL	$M_CPU	$M_RSS	$4	$5	$6	$7	$8"
  echo "$line" >> "$ROWS"; echo "$line" >> "$RESULTS"
  printf '  %-6s %-5s %-9s wall %7ss  cpu %7ss  rss %5d MiB  %s\n' "$1" "$2" "$3" "$M_WALL" "$M_CPU" $((M_RSS / 1024)) \
    "${6:+repo $(($6 / 1000000)) MB}${7:+  index $7 entries, $8 B in memory}" >&2
}

bench_files() {  # GiB
  local n=$1 paths=() i files bytes f b repo="$WORK/repo" stats
  for i in $(seq 0 $((n - 1))); do paths+=("$WORK/tree/part-$i"); done
  files=0; bytes=0
  for i in "${paths[@]}"; do read -r f b < <(tree_stats "$i"); files=$((files + f)); bytes=$((bytes + b)); done
  rm -rf "$repo"
  "$SUMMIT" init --repo "$repo" > "$WORK/init.log" 2>&1 </dev/null || { cat "$WORK/init.log" >&2; exit 1; }
  for op in backup rebackup; do
    prepare_caches "${paths[@]}"
    measure "$WORK/$op.log" "$SUMMIT" backup --repo "$repo" --json "${paths[@]}" </dev/null
    if [ "$op" = backup ]; then
      stats=$("$SUMMIT" stats --repo "$repo" --json </dev/null)
      read -r entries memory < <(python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["indexEntries"], s["indexMemoryBytes"])' <<< "$stats")
      row files "${n}G" "$op" "$bytes" "$files" "$(du -sb "$repo" | cut -f1)" "$entries" "$memory"
    else
      row files "${n}G" "$op" "$bytes" "$files" "" "" ""
    fi
  done
  rm -rf "$repo"
}

bench_pg() {  # scale
  local scale=$1 out="$WORK/pg-$1.tsv"
  rm -f "$out"
  TOOLS=${TOOLS:-summit pgbackrest} WAL_PUSH_SEGMENTS=${WAL_PUSH_SEGMENTS:-2} RESULTS="$out" SUMMIT="$SUMMIT" \
    bash "$ROOT/bench/pg-compare.sh" --scale "$scale" --pgbench-seconds 10 --runs 1 --workdir "$WORK/pg" >"$WORK/pg-$scale.log" 2>&1 \
    || { tail -n 40 "$WORK/pg-$scale.log" >&2; exit 1; }
  # pg-compare's columns: … tool(6) version(7) op(8) run wall(10) cpu(11) mcpu rss(13) repo(14) growth segments detail
  awk -F'\t' -v d="$DATE" -v m="$MACHINE" -v c="$CACHE_MODE" -v s="$scale" 'NR > 1 && ($8 == "full" || $8 == "second" || $8 == "restore") {
      printf "%s\t%s\t%s\t%s\tpg-%s\ts%s\t%s\t%s\t%s\t%s\t\t\t%s\t\t\n", d, m, c, $7, $6, s, $8, $10, $11, $13, $14 }' "$out" \
    | tee -a "$ROWS" >> "$RESULTS"
  awk -F'\t' 'NR > 1 && ($8 == "full" || $8 == "second" || $8 == "restore") {
      printf "  %-11s %-8s wall %7ss  cpu %7ss  rss %5d MiB\n", $6, $8, $10, $11, $13 / 1024 }' "$out" >&2
}

if [ -n "$FILES" ]; then
  max=$(tr ',' '\n' <<< "$FILES" | sort -n | tail -n 1)
  echo "building the tree: $max GiB under $WORK/tree (kept for the next run)" >&2
  python3 "$ROOT/bench/make-scaling-tree.py" "$WORK/tree" "$max"
  for n in ${FILES//,/ }; do echo "files, $n GiB:" >&2; bench_files "$n"; done
fi
if [ -n "$SCALES" ]; then
  for s in ${SCALES//,/ }; do echo "PostgreSQL, pgbench -s $s:" >&2; bench_pg "$s"; done
fi

echo
echo "## Scaling — $MACHINE, cache $CACHE_MODE, $VERSION, $DATE"
echo
echo "| data | size | step | wall | CPU | peak RSS | throughput | index entries | index bytes per entry |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
awk -F'\t' '{
  thr = ($11 > 0 && $8 > 0) ? sprintf("%.0f MB/s", $11 / $8 / 1e6) : ""
  per = ($14 > 0) ? sprintf("%.1f", $15 / $14) : ""
  printf "| %s | %s | %s | %.2f s | %.2f s | %d MiB | %s | %s | %s |\n", $5, $6, $7, $8, $9, $10 / 1024, thr, $14, per }' "$ROWS"
