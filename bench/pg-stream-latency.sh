#!/usr/bin/env bash
# Commit latency with a synchronous standby (issue 15, item 9, first cut): pgbench -c 8 -N against one
# PostgreSQL 15 cluster with no synchronous standby, with 'summit-dr pg stream' as the synchronous
# standby (local repository), and with 'pg_receivewal --synchronous', in one invocation. Prints a
# markdown table. Runs as root; the servers and pg_receivewal run as postgres, the receiver as root.
#
# Usage: bench/pg-stream-latency.sh [SECONDS per configuration, default 20]
# RECEIVER_JAVA_OPTS: extra JVM options for the receiver only (e.g. a flight recording:
#   RECEIVER_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/receiver.jfr' to see where its time goes).
set -euo pipefail
SECONDS_EACH=${1:-20}
BIN=/usr/lib/postgresql/15/bin
JAR=$(cd "$(dirname "$0")/.." && pwd)/cli/target/summit-dr.jar
[ -f "$JAR" ] || { echo "build first: mvn -pl cli -am package -DskipTests" >&2; exit 2; }
W=$(mktemp -d /tmp/summit-stream-bench.XXXXXX)
chmod 755 "$W"; mkdir -p "$W/sock" "$W/rw"; chown postgres:postgres "$W/sock" "$W/rw"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { runuser -u postgres -- "$@"; }
psql_() { as_pg "$BIN/psql" -h "$W/sock" -p "$PORT" -U postgres -d postgres -qAtc "$1"; }
receiver=""
cleanup() {
  # pg_receivewal runs under runuser: stop the child too, or it outlives the script holding its stdout.
  [ -z "$receiver" ] || kill $(pgrep -P "$receiver") "$receiver" 2>/dev/null || true
  as_pg "$BIN/pg_ctl" -D "$W/data" -m immediate stop >/dev/null 2>&1 || true
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
mkdir "$W/data"; chown postgres:postgres "$W/data"
as_pg "$BIN/initdb" -D "$W/data" -U postgres --auth=trust >/dev/null
cat >> "$W/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$W/sock'
wal_level = replica
max_wal_senders = 10
CONF
as_pg "$BIN/pg_ctl" -D "$W/data" -l "$W/data/server.log" -w start >/dev/null
as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1

sync_standby() {
  psql_ "ALTER SYSTEM SET synchronous_standby_names = '$1'"; psql_ "SELECT pg_reload_conf()"
  for _ in $(seq 300); do
    [ "$1" = "" ] || [ "$(psql_ "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$1' AND sync_state = 'sync'")" = 1 ] && return
    sleep 0.1
  done
  echo "standby $1 never became synchronous" >&2; exit 1
}
measure() {
  as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -c 8 -j 2 -N -n -T "$SECONDS_EACH" postgres 2>/dev/null \
    | awk '/latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "%s | %.0f", lat, tps}'
}

none=$(measure)

printf 'bench-password\n' > "$W/password"; chmod 600 "$W/password"
java -jar "$JAR" init --repo "$W/repo" --password-file "$W/password" >/dev/null
java ${RECEIVER_JAVA_OPTS:-} -jar "$JAR" pg stream --repo "$W/repo" --password-file "$W/password" --dsn "host=$W/sock port=$PORT user=postgres" \
  2> "${RECEIVER_LOG:-$W/receiver.log}" & receiver=$!
sync_standby summit_dr
summit=$(measure)
kill "$receiver"; wait "$receiver" 2>/dev/null || true; receiver=""
sync_standby ""
psql_ "SELECT pg_drop_replication_slot('summit_dr')" >/dev/null

as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres --slot rw --create-slot >/dev/null
as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres -D "$W/rw" --slot rw --synchronous 2> "$W/rw.log" & receiver=$!
sync_standby pg_receivewal
receivewal=$(measure)

echo "| synchronous standby | commit latency (ms, pgbench -c 8 -N, ${SECONDS_EACH} s) | tps |"
echo "| --- | --- | --- |"
echo "| none | $none |"
echo "| summit_dr (pg stream, local repository) | $summit |"
echo "| pg_receivewal --synchronous | $receivewal |"
