#!/usr/bin/env bash
# Quick comparison of Summit DR with restic on one tree, in one run: backup, unchanged re-backup,
# restore. Prints a markdown table (wall s, CPU s, peak RSS MiB, MB/s, repository size).
# Usage: bench/quick-compare.sh [TREE] [RUNS]   TREE default /tmp/bench-data/mixed (shared/bench/dataset/make-mixed.sh)
# Needs: restic (apt-get install restic), GNU time (apt-get install time). Caches are warm (the tree is read once first).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
TREE=${1:-/tmp/bench-data/mixed}
RUNS=${2:-1}
WORK=${BENCH_WORK:-/tmp/summit-bench}
command -v restic >/dev/null || { echo "installing restic" >&2; apt-get install -y -qq restic >/dev/null; }
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
"$here/summit-dr" --version >/dev/null   # builds the jar if needed
BYTES=$(du -sb --apparent-size "$TREE" | cut -f1)
cat "$TREE"/**/* >/dev/null 2>&1 || find "$TREE" -type f -print0 | xargs -0 cat >/dev/null
export SUMMIT_PASSWORD=bench RESTIC_PASSWORD=bench

measure() {  # label, command... → appends "label wall cpu rss" to $WORK/rows
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.out" "$@" >/dev/null 2>"$WORK/err.out" || { cat "$WORK/err.out" >&2; exit 1; }
  read -r wall user sys rss < "$WORK/time.out"
  echo "$label $wall $(echo "$user + $sys" | bc) $((rss / 1024))" >> "$WORK/rows"
}

rm -rf "$WORK"; mkdir -p "$WORK"
for run in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/summit" "$WORK/restic" "$WORK/r-summit" "$WORK/r-restic"
  "$here/summit-dr" init --repo "$WORK/summit" >/dev/null
  restic init --repo "$WORK/restic" >/dev/null 2>&1
  measure "summit:backup" "$here/summit-dr" backup --repo "$WORK/summit" "$TREE"
  measure "restic:backup" restic --repo "$WORK/restic" backup --compression auto "$TREE"
  measure "summit:rebackup" "$here/summit-dr" backup --repo "$WORK/summit" "$TREE"
  measure "restic:rebackup" restic --repo "$WORK/restic" backup --compression auto "$TREE"
  measure "summit:restore" "$here/summit-dr" restore --repo "$WORK/summit" latest --target "$WORK/r-summit"
  measure "restic:restore" restic --repo "$WORK/restic" restore latest --target "$WORK/r-restic"
  echo "summit:size $(du -sb "$WORK/summit" | cut -f1)" >> "$WORK/sizes"
  echo "restic:size $(du -sb "$WORK/restic" | cut -f1)" >> "$WORK/sizes"
done

echo "Tree: $TREE ($((BYTES / 1000000)) MB), $(nproc) cores, $(date -u +%F), runs: $RUNS (median)"
echo
echo "| tool | step | wall s | CPU s | peak RSS MiB | MB/s | repo MB |"
echo "|---|---|---|---|---|---|---|"
for step in backup rebackup restore; do
  for tool in restic summit; do
    med() { grep "^$tool:$step " "$WORK/rows" | awk "{print \$$1}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    wall=$(med 2); cpu=$(med 3); rss=$(med 4)
    size=$(grep "^$tool:size " "$WORK/sizes" | awk '{print $2}' | sort -n | head -1)
    echo "| $tool | $step | $wall | $cpu | $rss | $(echo "scale=0; $BYTES / 1000000 / $wall" | bc) | $((size / 1000000)) |"
  done
done
