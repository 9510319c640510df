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
JAR=$(cd "$(dirname "$0")/.." && pwd)/cli/target/summit-dr.jar
[ -f "$JAR" ] || { echo "build first: mvn -pl cli -am package -DskipTests" >&2; exit 2; }
. "$(dirname "$0")/lib/pg-cluster.sh"
pg_work stream-bench
mkdir -p "$W/rw"; chown postgres:postgres "$W/rw"
pg_init "$W/data"
pg_start "$W/data"
as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1

measure() {
  as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -c 8 -j 2 -N -n -T "$SECONDS_EACH" postgres 2>/dev/null \
    | awk '/latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "%s | %.0f", lat, tps}'
}

none=$(measure)

printf 'bench-password\n' > "$W/password"; chmod 600 "$W/password"
java -jar "$JAR" init --repo "$W/repo" --password-file "$W/password" >/dev/null
java ${RECEIVER_JAVA_OPTS:-} -jar "$JAR" pg stream --repo "$W/repo" --password-file "$W/password" --dsn "host=$W/sock port=$PORT user=postgres" \
  2> "${RECEIVER_LOG:-$W/receiver.log}" & receiver=$!
bg_started "$receiver"
sync_standby summit_dr
summit=$(measure)
kill "$receiver"; wait "$receiver" 2>/dev/null || true
sync_standby ""
psql_ "SELECT pg_drop_replication_slot('summit_dr')" >/dev/null

as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres --slot rw --create-slot >/dev/null
as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres -D "$W/rw" --slot rw --synchronous 2> "$W/rw.log" &
bg_started $!
sync_standby pg_receivewal
receivewal=$(measure)

echo "| synchronous standby | commit latency (ms, pgbench -c 8 -N, ${SECONDS_EACH} s) | tps |"
echo "| --- | --- | --- |"
echo "| none | $none |"
echo "| summit_dr (pg stream, local repository) | $summit |"
echo "| pg_receivewal --synchronous | $receivewal |"
