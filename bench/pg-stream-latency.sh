#!/usr/bin/env bash
# Commit latency with a synchronous standby (issue 15, item 9, first cut): pgbench -c 8 -N against one
# PostgreSQL 15 cluster with no synchronous standby, with 'summit-dr pg stream' as the synchronous
# standby (local repository), and with 'pg_receivewal --synchronous', in one invocation. Prints a
# markdown table. Runs as root; the servers and pg_receivewal run as postgres, the receiver as root.
#
# Usage: [WARMUP=5] bench/pg-stream-latency.sh [SECONDS per configuration, default 20]
# RECEIVER_JAVA_OPTS: extra JVM options for the receiver only (e.g. a flight recording:
#   RECEIVER_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/receiver.jfr' to see where its time goes).
set -euo pipefail
SECONDS_EACH=${1:-20}
WARMUP=${WARMUP:-5}
JAR=$(cd "$(dirname "$0")/.." && pwd)/cli/target/summit-dr.jar
[ -f "$JAR" ] || { echo "build first: mvn -pl cli -am package -DskipTests" >&2; exit 2; }
. "$(dirname "$0")/lib/pg-cluster.sh"
pg_work stream-bench
mkdir -p "$W/rw"; chown postgres:postgres "$W/rw"
pg_init "$W/data"
pg_start "$W/data"
as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1

# CPU milliseconds (user + system) a process has used so far.
cpu_ms() { [ -r "/proc/$1/stat" ] || { echo "no process $1" >&2; exit 1; }; awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }

# measure [RECEIVER_PID]: "latency | tps | receiver CPU ms per commit" for one pgbench run, after
# an unmeasured warm-up run of WARMUP seconds: a standby runs for months, so its steady state is
# what commits see (the JVM's JIT compiles the receiving path in its first seconds, and those
# compiler threads' CPU would otherwise be counted as the receiver's cost per commit).
measure() {
  local before=0 after=0 out
  as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -c 8 -j 2 -N -n -T "$WARMUP" postgres >/dev/null 2>&1
  [ -z "${1:-}" ] || before=$(cpu_ms "$1")
  out=$(as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -c 8 -j 2 -N -n -T "$SECONDS_EACH" postgres 2>/dev/null)
  [ -z "${1:-}" ] || after=$(cpu_ms "$1")
  echo "$out" | awk -v cpu=$((after - before)) -v has="${1:-}" '
    /latency average/ {lat=$4} /^tps/ {tps=$3} /actually processed/ {n=$NF}
    END {printf "%s | %.0f | %s", lat, tps, has == "" ? "-" : sprintf("%.3f", cpu / n)}'
}

none=$(measure)

printf 'bench-password\n' > "$W/password"; chmod 600 "$W/password"
java -jar "$JAR" init --repo "$W/repo" --password-file "$W/password" >/dev/null
java ${RECEIVER_JAVA_OPTS:-} -jar "$JAR" pg stream --repo "$W/repo" --password-file "$W/password" --dsn "host=$W/sock port=$PORT user=postgres" \
  2> "${RECEIVER_LOG:-$W/receiver.log}" & receiver=$!
bg_started "$receiver"
sync_standby summit_dr
summit=$(measure "$receiver")
kill "$receiver"; wait "$receiver" 2>/dev/null || true
sync_standby ""
psql_ "SELECT pg_drop_replication_slot('summit_dr')" >/dev/null

as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres --slot rw --create-slot >/dev/null
as_pg "$BIN/pg_receivewal" -h "$W/sock" -p "$PORT" -U postgres -D "$W/rw" --slot rw --synchronous 2> "$W/rw.log" &
runner=$!
bg_started $runner
sync_standby pg_receivewal
receivewal=$(measure "$(pgrep -n -u postgres -x pg_receivewal)")

echo "| synchronous standby | commit latency (ms, pgbench -c 8 -N, ${SECONDS_EACH} s after ${WARMUP} s) | tps | receiver CPU ms per commit |"
echo "| --- | --- | --- | --- |"
echo "| none | $none |"
echo "| summit_dr (pg stream, local repository) | $summit |"
echo "| pg_receivewal --synchronous | $receivewal |"
awk -v a="${summit%% *}" -v b="${receivewal%% *}" 'BEGIN {printf "\nsummit_dr / pg_receivewal commit latency: %.2fx\n", a / b}'
