# Shared by the benchmark scripts in bench/ (sourced, not run).
# Sets ROOT (the repository root) and provides: need_packages, measure, prepare_caches, machine_label.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Installs Debian packages that are missing (as root, or through sudo when not root).
_apt_updated=
need_packages() {
  [ $# -gt 0 ] || return 0
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing: $*" >&2
  if [ -z "$_apt_updated" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    _apt_updated=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# need_commands CMD:PACKAGE ... : installs the package of every command not on PATH.
need_commands() {
  local missing=() pair
  for pair in "$@"; do
    if [ "${pair%%:*}" = /usr/bin/time ]; then [ -x /usr/bin/time ] || missing+=("${pair#*:}")
    else command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}"); fi
  done
  need_packages "${missing[@]}"
}

# measure LOGFILE CMD... : runs CMD under GNU time with stdout+stderr to LOGFILE; sets
# M_WALL (s), M_CPU (user+sys s, children included) and M_RSS (peak RSS of the largest process, KiB).
# On failure prints the end of the log and returns the command's exit status.
measure() {
  local log=$1; shift
  local tf="$log.time" rc=0
  /usr/bin/time -f "%e %U %S %M" -o "$tf" "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAILED ($rc): $*" >&2
    tail -n 30 "$log" >&2
    return $rc
  fi
  local user sys
  read -r M_WALL user sys M_RSS < <(tail -n 1 "$tf")
  M_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

# Cache mode: cold (drop the page cache before each measured step; needs root and a writable
# /proc/sys/vm/drop_caches) or warm (read the step's input once before it). CACHE=auto picks cold
# where permitted.
resolve_cache_mode() {
  local want=${CACHE:-auto}
  if [ "$want" = auto ] || [ "$want" = cold ]; then
    if [ -w /proc/sys/vm/drop_caches ] && (sync && echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
      CACHE_MODE=cold; return
    fi
    [ "$want" = cold ] && echo "warning: cannot drop the page cache here; caches are warm" >&2
  fi
  CACHE_MODE=warm
}

# prepare_caches PATH... : before a measured step: sync, then cold: drop the page cache; warm: read
# every file under PATHs.
prepare_caches() {
  sync   # the previous step's writes reach the disk now, not during this step
  if [ "$CACHE_MODE" = cold ]; then
    echo 3 > /proc/sys/vm/drop_caches
  else
    local p
    for p in "$@"; do
      [ -e "$p" ] && find "$p" -type f -print0 | xargs -0 -r cat > /dev/null
    done
  fi
}

# One line describing this machine, without tabs.
machine_label() {
  if [ -n "${BENCH_MACHINE:-}" ]; then echo "$BENCH_MACHINE"; return; fi
  local cpu mem
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
  mem=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
  echo "$(nproc) cores ${cpu:-unknown CPU}, ${mem:-?} GiB RAM" | tr '\t' ' '
}

# Regular files and their total apparent size under a directory: "FILES BYTES".
tree_stats() {
  # %.0f, not %d: mawk's %d stops at 2^31-1, which would report an 8 GiB tree as 2 GiB
  find "$1" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { printf "%d %.0f\n", n, b }'
}

# summit_bench_start: what a benchmark of the summit-dr launcher ($SUMMIT) does before measuring:
# installs GNU time, python3 and openssl when missing, uses the password "bench" from the
# environment (no password file or repository from the caller's), builds the jar, and sets VERSION
# (launcher version and commit), CACHE_MODE and MACHINE.
summit_bench_start() {
  need_commands /usr/bin/time:time python3:python3 openssl:openssl
  export SUMMIT_PASSWORD=bench
  unset SUMMIT_PASSWORD_FILE SUMMIT_REPOSITORY 2>/dev/null || true
  "$SUMMIT" --version >/dev/null </dev/null   # builds the jar if needed, before any measurement
  VERSION="$("$SUMMIT" --version | head -n 1 | cut -d' ' -f1-2) $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  resolve_cache_mode
  MACHINE=$(machine_label)
}
