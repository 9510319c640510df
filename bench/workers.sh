#!/usr/bin/env bash
# Scaling with worker threads: first backup of DATA_DIR into a fresh repository with
# --workers 1, 2, … (threads that hash, compress and encrypt), cold caches, RUNS times each;
# prints wall time and MB/s per setting and appends rows to bench/results/workers.tsv.
#
# Usage: bench/workers.sh DATA_DIR [RUNS] [WORKERS...]     (default: 2 runs, workers 1 2)
# On a larger machine: bench/workers.sh /data 3 1 2 4 8 16
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
need_commands /usr/bin/time:time
data=${1:?usage: bench/workers.sh DATA_DIR [RUNS] [WORKERS...]}
runs=${2:-2}
shift $(( $# >= 2 ? 2 : 1 ))
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2)
work=$(mktemp -d /tmp/summit-workers.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf 'bench-workers\n' > "$work/pass"; chmod 600 "$work/pass"
bytes=$(du -sb "$data" | cut -f1)
results=${RESULTS:-$ROOT/bench/results/workers.tsv}
"$ROOT/summit-dr" --version >/dev/null
printf '| workers | wall s (runs) | MB/s |\n|---|---|---|\n'
for n in "${counts[@]}"; do
  walls=()
  for r in $(seq "$runs"); do
    rm -rf "$work/repo"
    "$ROOT/summit-dr" init --repo "$work/repo" --password-file "$work/pass" >/dev/null 2>&1
    CACHE_MODE=cold prepare_caches
    measure "$work/log" "$ROOT/summit-dr" backup "$data" --workers "$n" --repo "$work/repo" --password-file "$work/pass"
    walls+=("$M_WALL")
    printf '%s\t%s\tworkers %s\trun %s\twall %s\tcpu %s\trss_kib %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(machine_label)" \
      "$n" "$r" "$M_WALL" "$M_CPU" "$M_RSS" >> "$results"
  done
  best=$(printf '%s\n' "${walls[@]}" | sort -n | head -1)
  awk -v n="$n" -v w="${walls[*]}" -v b="$bytes" -v t="$best" 'BEGIN { printf "| %s | %s | %.0f |\n", n, w, b / 1e6 / t }'
done
