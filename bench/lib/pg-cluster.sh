# Shared by the WAL streaming benchmarks (sourced, not run): a work directory, throwaway
# PostgreSQL 15 clusters run as the postgres user on a private socket directory, and cleanup of
# everything they started. Runs as root.
#
#   pg_work NAME          creates W (mode 755, with sock/ owned by postgres), picks PORT, sets the EXIT trap
#   pg_init DIR [LINE…]   initdb DIR (trust auth) with port/socket/replication settings and extra conf lines
#   pg_start DIR / pg_kill DIR (immediate stop) / psql_ SQL (on the running cluster, unaligned)
#   sync_standby NAME     synchronous_standby_names = NAME ('' for none), waits until it is 'sync'
#   bg_started PID        a background process (and its children) to stop at exit
BIN=/usr/lib/postgresql/15/bin
BG_PIDS=()
PG_DIRS=()

as_pg() { runuser -u postgres -- "$@"; }
psql_() { as_pg "$BIN/psql" -h "$W/sock" -p "$PORT" -U postgres -d postgres -qAtc "$1"; }

pg_cleanup() {
  local pid
  # Processes under runuser: stop the children too, or they outlive the script holding its stdout.
  for pid in "${BG_PIDS[@]}"; do kill $(pgrep -P "$pid") "$pid" 2>/dev/null || true; done
  for pid in "${PG_DIRS[@]}"; do as_pg "$BIN/pg_ctl" -D "$pid" -m immediate stop >/dev/null 2>&1 || true; done
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$W"
}

pg_work() {
  W=$(mktemp -d "/tmp/summit-$1.XXXXXX")
  chmod 755 "$W"; mkdir -p "$W/sock"; chown postgres:postgres "$W/sock"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  trap pg_cleanup EXIT
}

bg_started() { BG_PIDS+=("$1"); }

pg_init() {
  local dir=$1; shift
  mkdir -p "$dir"; chown postgres:postgres "$dir"
  as_pg "$BIN/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  {
    echo "port = $PORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$W/sock'"
    echo "wal_level = replica"
    echo "max_wal_senders = 10"
    local line; for line in "$@"; do echo "$line"; done
  } >> "$dir/postgresql.conf"
}

pg_start() { PG_DIRS+=("$1"); as_pg "$BIN/pg_ctl" -D "$1" -l "$1/server.log" -w start >/dev/null; }
pg_kill() { as_pg "$BIN/pg_ctl" -D "$1" -m immediate stop >/dev/null 2>&1 || true; }

sync_standby() {
  psql_ "ALTER SYSTEM SET synchronous_standby_names = '$1'"; psql_ "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 300); do
    [ "$1" = "" ] || [ "$(psql_ "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$1' AND sync_state = 'sync'")" = 1 ] && return
    sleep 0.1
  done
  echo "standby $1 never became synchronous" >&2; exit 1
}
