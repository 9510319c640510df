#!/usr/bin/env bash
# File backup benchmark: Summit DR (defaults, and its fastest setting) against restic and borg on
# the same tree. Supersedes bench/quick-compare.sh.
#
# Usage: bench/file-backup.sh [DATA_DIR] [RUNS]
#   DATA_DIR  tree to back up; default /tmp/bench-data/mixed, built with
#             $BENCH_DATASET/make-mixed.sh when it is the default and absent (2.1 GB, 37k files)
#   RUNS      repetitions, default 3; the table shows median and min–max
#
# Each run, in this order, every tool (in TOOLS order) before the next step:
#   first     backup of the tree into a new, empty repository
#   unchanged backup of the same tree again (nothing changed)
#   changed   backup after "a realistic day of changes" (see below)
#   restore   full restore of the changed snapshot into an empty directory (checked: file count and bytes)
# Measured per step: wall time, CPU (user+sys, children included), peak RSS (GNU time %M: the
# largest process), and the repository size afterwards (du -sb).
#
# The tree backed up is a copy, $BENCH_WORK/tree, so that DATA_DIR is never modified. The changed
# tree is made once per invocation: `$BENCH_CHANGE_CMD DATA_DIR $BENCH_WORK/changed` (default
# make-changed.py: copy, then modify/delete/add ~5% of files, grow logs, rewrite blocks of a disk
# image, shift a big file). Before the changed step it is synced into $BENCH_WORK/tree with
# `rsync -a --delete`, which rewrites only the files that differ: untouched files keep their inode
# and ctime, as after a real day, so every tool's change detection sees only the real changes.
# Each run starts by syncing DATA_DIR back into the tree.
#
# Environment:
#   TOOLS            subset of: summit-default summit-fast restic borg-lz4 borg-zstd3 (default: all)
#   CACHE            cold | warm | auto (default auto: cold where /proc/sys/vm/drop_caches is writable).
#                    cold: sync + drop the page cache before every measured step; warm: read the
#                    step's input (tree, or repository for restore) once before it
#   RESULTS          TSV file the raw rows are appended to (default bench/results/file-backup.tsv)
#   BENCH_WORK       scratch directory (default /tmp/summit-bench/file-backup); needs about
#                    2 × data + 5 repositories + 1 restore of free space; removed at the end
#                    unless BENCH_KEEP=1
#   BENCH_DATASET    dataset scripts (default ../shared/bench/dataset from the repository root)
#   BENCH_CHANGE_CMD command run as `CMD SRC DEST` to make the changed tree
#                    (default: python3 $BENCH_DATASET/make-changed.py)
#   SUMMIT           summit-dr command (default: the repository's ./summit-dr launcher, which builds
#                    the jar on first use); SUMMIT_JAVA_OPTS is passed through to the launcher
#   SUMMIT_INIT_ARGS extra `summit-dr init` arguments for both Summit tools (default none)
#   BORG_ENCRYPTION  borg init -e mode (default repokey: AES-256-CTR + HMAC-SHA256, the closest
#                    to Summit's AES-256-GCM + HMAC-SHA256 ids and restic's AES-256 + Poly1305)
#   BENCH_MACHINE    machine description for the results (default: cores, CPU model, RAM)
# Tools, as configured: summit-default = `summit-dr init` defaults (zstd 3, 1 MiB average chunks);
# summit-fast = `init --compression lz4`; restic = `init --repository-version 2`, backup with
# `--compression auto`; borg-lz4 / borg-zstd3 = `borg create --compression lz4` / `zstd,3`.
# Passwords are passed in the environment; every tool encrypts.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

DATA=${1:-/tmp/bench-data/mixed}
RUNS=${2:-3}
TOOLS=${TOOLS:-summit-default summit-fast restic borg-lz4 borg-zstd3}
DATASET=${BENCH_DATASET:-$ROOT/../shared/bench/dataset}
WORK=${BENCH_WORK:-/tmp/summit-bench/file-backup}
RESULTS=${RESULTS:-$ROOT/bench/results/file-backup.tsv}
SUMMIT=${SUMMIT:-$ROOT/summit-dr}
BORG_ENCRYPTION=${BORG_ENCRYPTION:-repokey}
read -r -a SUMMIT_INIT_EXTRA <<< "${SUMMIT_INIT_ARGS:-}"
OPS="first unchanged changed restore"

# --- tools and the data -------------------------------------------------------------------------
needs=(/usr/bin/time:time rsync:rsync)
for t in $TOOLS; do
  case $t in
    summit-default|summit-fast) ;;
    restic) needs+=(restic:restic) ;;
    borg-lz4|borg-zstd3) needs+=(borg:borgbackup) ;;
    *) echo "unknown tool '$t' (summit-default summit-fast restic borg-lz4 borg-zstd3)" >&2; exit 2 ;;
  esac
done
if [ -z "${BENCH_CHANGE_CMD:-}" ]; then
  needs+=(python3:python3 openssl:openssl)
  BENCH_CHANGE_CMD="python3 $DATASET/make-changed.py"
fi
need_commands "${needs[@]}"

if [ ! -d "$DATA" ]; then
  if [ "$DATA" = /tmp/bench-data/mixed ]; then
    echo "building $DATA with $DATASET/make-mixed.sh" >&2
    need_commands python3:python3 openssl:openssl
    bash "$DATASET/make-mixed.sh" "$DATA" >&2
  else
    echo "no such directory: $DATA" >&2; exit 2
  fi
fi
DATA=$(cd "$DATA" && pwd)

export SUMMIT_PASSWORD=bench RESTIC_PASSWORD=bench BORG_PASSPHRASE=bench BORG_DISPLAY_PASSPHRASE=no
unset SUMMIT_PASSWORD_FILE SUMMIT_REPOSITORY RESTIC_REPOSITORY RESTIC_PASSWORD_FILE BORG_REPO 2>/dev/null || true
"$SUMMIT" --version >/dev/null </dev/null   # the launcher builds the jar here if needed, not inside a measurement

version_of() {
  case $1 in
    summit-*) echo "$("$SUMMIT" --version 2>/dev/null | head -n 1 | cut -d' ' -f1-2) $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo +dirty)" ;;
    restic) restic version | cut -d' ' -f1-2 ;;
    borg-*) borg --version ;;
  esac
}

# --- one step of one tool ---------------------------------------------------------------------
repo_of() { echo "$WORK/repos/$1"; }

tool_env() {  # per-tool caches inside the work directory, so nothing is shared between runs or with the user
  export BORG_BASE_DIR="$WORK/cache/$1" RESTIC_CACHE_DIR="$WORK/cache/$1"
}

tool_init() {
  local t=$1 repo; repo=$(repo_of "$1")
  rm -rf "$repo" "$WORK/cache/$t"; mkdir -p "$WORK/repos" "$WORK/cache/$t"
  tool_env "$t"
  case $t in
    summit-default) "$SUMMIT" init --repo "$repo" "${SUMMIT_INIT_EXTRA[@]}" ;;
    summit-fast) "$SUMMIT" init --repo "$repo" --compression lz4 "${SUMMIT_INIT_EXTRA[@]}" ;;
    restic) restic init --repo "$repo" --repository-version 2 ;;
    borg-*) borg init -e "$BORG_ENCRYPTION" "$repo" ;;
  esac > "$WORK/logs/$t-init.log" 2>&1 </dev/null || { cat "$WORK/logs/$t-init.log" >&2; exit 1; }
}

tool_backup() {  # tool, archive name
  local t=$1 repo; repo=$(repo_of "$1")
  tool_env "$t"
  case $t in
    summit-*) measure "$WORK/logs/$t-$2.log" "$SUMMIT" backup --repo "$repo" --json "$WORK/tree" ;;
    restic) measure "$WORK/logs/$t-$2.log" restic --repo "$repo" backup --compression auto "$WORK/tree" ;;
    borg-lz4) measure "$WORK/logs/$t-$2.log" borg create --compression lz4 "$repo::$2" "$WORK/tree" ;;
    borg-zstd3) measure "$WORK/logs/$t-$2.log" borg create --compression zstd,3 "$repo::$2" "$WORK/tree" ;;
  esac </dev/null
}

tool_restore() {  # tool, name of the archive to restore (borg), target directory
  local t=$1 repo; repo=$(repo_of "$1")
  tool_env "$t"
  mkdir -p "$3"
  case $t in
    summit-*) measure "$WORK/logs/$t-restore.log" "$SUMMIT" restore --repo "$repo" latest --target "$3" ;;
    restic) measure "$WORK/logs/$t-restore.log" restic --repo "$repo" restore latest --target "$3" ;;
    borg-*) measure "$WORK/logs/$t-restore.log" bash -c 'cd "$1" && exec borg extract "$2"' _ "$3" "$repo::$2" ;;
  esac </dev/null
}

# --- the runs -----------------------------------------------------------------------------------
resolve_cache_mode
MACHINE=$(machine_label)
mkdir -p "$WORK/logs" "$(dirname "$RESULTS")"
: > "$WORK/rows.tsv"
HEADER="date	machine	cache	tool	version	op	run	wall_s	cpu_s	max_rss_kib	repo_bytes	data_bytes	data_files"
[ -s "$RESULTS" ] || echo "$HEADER" > "$RESULTS"
declare -A VERSION
for t in $TOOLS; do VERSION[$t]=$(version_of "$t"); done

echo "making the changed tree: $BENCH_CHANGE_CMD $DATA $WORK/changed" >&2
rm -rf "$WORK/changed"
$BENCH_CHANGE_CMD "$DATA" "$WORK/changed" > "$WORK/logs/make-changed.log" 2>&1 \
  || { cat "$WORK/logs/make-changed.log" >&2; exit 1; }

record() {  # tool op run
  local repo_bytes
  repo_bytes=$(du -sb "$(repo_of "$1")" | cut -f1)
  local row
  row="$(date -u +%FT%TZ)	$MACHINE	$CACHE_MODE	$1	${VERSION[$1]}	$2	$3	$M_WALL	$M_CPU	$M_RSS	$repo_bytes	$TREE_BYTES	$TREE_FILES"
  echo "$row" >> "$WORK/rows.tsv"
  echo "$row" >> "$RESULTS"
  printf '  %-15s %-9s wall %7ss  cpu %7ss  rss %6d MiB  repo %6d MB\n' "$1" "$2" "$M_WALL" "$M_CPU" \
    $((M_RSS / 1024)) $((repo_bytes / 1000000)) >&2
}

for run in $(seq 1 "$RUNS"); do
  echo "run $run/$RUNS ($CACHE_MODE caches)" >&2
  rsync -a --delete "$DATA/" "$WORK/tree/"
  read -r TREE_FILES TREE_BYTES < <(tree_stats "$WORK/tree")
  for t in $TOOLS; do tool_init "$t"; done
  for op in first unchanged; do
    for t in $TOOLS; do
      prepare_caches "$WORK/tree"
      tool_backup "$t" "run$run-$op"
      record "$t" "$op" "$run"
    done
  done
  rsync -a --delete "$WORK/changed/" "$WORK/tree/"
  read -r TREE_FILES TREE_BYTES < <(tree_stats "$WORK/tree")
  for t in $TOOLS; do
    prepare_caches "$WORK/tree"
    tool_backup "$t" "run$run-changed"
    record "$t" changed "$run"
  done
  for t in $TOOLS; do
    rm -rf "$WORK/restore"
    prepare_caches "$(repo_of "$t")"
    tool_restore "$t" "run$run-changed" "$WORK/restore"
    record "$t" restore "$run"
    read -r got_files got_bytes < <(tree_stats "$WORK/restore")
    if [ "$got_files" != "$TREE_FILES" ] || [ "$got_bytes" != "$TREE_BYTES" ]; then
      echo "$t restored $got_files files / $got_bytes bytes, expected $TREE_FILES / $TREE_BYTES" >&2
      exit 1
    fi
  done
  rm -rf "$WORK/restore"
done

# --- the table ----------------------------------------------------------------------------------
echo
echo "Data: $DATA ($(tree_stats "$DATA" | awk '{ printf "%d files, %.0f MB", $1, $2 / 1e6 }'));" \
  "changed: $BENCH_CHANGE_CMD. Machine: $MACHINE. $(date -u +%F). Caches: $CACHE_MODE. Runs: $RUNS (median, min–max)."
for t in $TOOLS; do echo "- $t: ${VERSION[$t]}"; done
echo
awk -F'\t' -v tools="$TOOLS" -v ops="$OPS" -f <(cat "$ROOT/bench/lib/stats.awk" "$ROOT/bench/lib/summary.awk") "$WORK/rows.tsv"
echo
echo "Raw rows appended to $RESULTS"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"
