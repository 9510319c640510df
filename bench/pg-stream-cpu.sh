#!/usr/bin/env bash
# Receiver CPU per GiB of WAL (issue 15, item 9): one PostgreSQL 15 cluster writes WAL in bulk
# (pgbench -i at SCALE) while 'summit-dr pg stream' (local repository: pieces, whole segments
# compressed and encrypted, fsync) and then 'pg_receivewal' (plain files) stream it, one after the
# other, asynchronously. CPU is the receiver process's user+system time from when it was streaming
# until it had flushed everything the load wrote (its JVM start-up is not counted). Prints a
# markdown table. Runs as root; the server and pg_receivewal run as postgres, the receiver as root.
#
# Usage: bench/pg-stream-cpu.sh [SCALE, default 20 (about 0.3 GiB of WAL)]
set -euo pipefail
SCALE=${1:-20}
JAR=$(cd "$(dirname "$0")/.." && pwd)/cli/target/summit-dr.jar
[ -f "$JAR" ] || { echo "build first: mvn -pl cli -am package -DskipTests" >&2; exit 2; }
. "$(dirname "$0")/lib/pg-cluster.sh"
pg_work stream-cpu
mkdir -p "$W/rw"; chown postgres:postgres "$W/rw"
pg_init "$W/data" "max_wal_size = 4GB"
pg_start "$W/data"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# wait_caught_up NAME LSN: until the receiver named NAME reported LSN flushed.
wait_caught_up() {
  local target=$2
  for _ in $(seq 6000); do
    [ "$(psql_ "SELECT coalesce(bool_or(flush_lsn >= '$target'), false) FROM pg_stat_replication WHERE application_name = '$1'")" = t ] && return
    sleep 0.1
  done
  echo "receiver $1 never flushed $target" >&2; exit 1
}
# measure NAME PID: bulk load, then CPU seconds and GiB of WAL until NAME flushed it.
measure() {
  wait_caught_up "$1" "$(psql_ "SELECT pg_current_wal_lsn()")"
  local pid=$2 start end t0 t1 hz
  hz=$(getconf CLK_TCK)
  start=$(psql_ "SELECT pg_current_wal_lsn()"); t0=$(ticks "$pid")
  as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1
  end=$(psql_ "SELECT pg_current_wal_lsn()")
  wait_caught_up "$1" "$end"
  t1=$(ticks "$pid")
  local bytes; bytes=$(psql_ "SELECT pg_wal_lsn_diff('$end', '$start')::bigint")
  python3 -c "b=$bytes; c=($t1-$t0)/$hz; print(f'{b/2**30:.3f} | {c:.2f} | {c/(b/2**30):.2f}')"
}

printf 'bench-password\n' > "$W/password"; chmod 600 "$W/password"
java -jar "$JAR" init --repo "$W/repo" --password-file "$W/password" >/dev/null
java -jar "$JAR" pg stream --repo "$W/repo" --password-file "$W/password" --dsn "host=$W/sock port=$PORT user=postgres" \
  2> "$W/receiver.log" & receiver=$!
bg_started "$receiver"
summit=$(measure summit_dr "$receiver")
kill "$receiver"; wait "$receiver" 2>/dev/null || true
psql_ "SELECT pg_drop_replication_slot('summit_dr')" >/dev/null

as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres --slot rw --create-slot >/dev/null
as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres -D "$W/rw" --slot rw --synchronous 2> "$W/rw.log" &
bg_started $!
sleep 1
rwpid=$(pgrep -n -x pg_receivewal)
receivewal=$(measure pg_receivewal "$rwpid")

echo "| receiver | WAL (GiB, pgbench -i -s $SCALE) | CPU s | CPU s per GiB |"
echo "| --- | --- | --- | --- |"
echo "| summit_dr (pg stream, local repository) | $summit |"
echo "| pg_receivewal | $receivewal |"
