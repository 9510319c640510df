#!/usr/bin/env bash
# Resident agent memory (issue 19, item 6: ≤ 96 MiB idle, ≤ 160 MiB while pushing WAL). A fresh
# PostgreSQL 15 cluster archives through the agent (archive_command = summit-dr-wal-push --agent);
# the agent's JVM is sampled (VmRSS every 0.2 s from /proc) while it idles after start, while
# pgbench -i and then pgbench -c 4 write (full WAL segments, pushed and uploaded ahead of
# archive_command, 4 at once), and while it idles again afterwards. With STREAM=1 the agent also runs its WAL
# receiver as the synchronous standby.
#
# Usage: bench/agent-memory.sh [LOAD seconds, default 30]   IDLE (default 15) s; SCALE (pgbench -i, default 20); STREAM=1;
#        AGENT_JAVA_OPTS overrides the launcher's JVM options for the agent only (to compare settings).
# Runs as root; PostgreSQL and the agent run as postgres. Prints a markdown table row.
set -euo pipefail
shopt -s inherit_errexit
LOAD=${1:-30}
IDLE=${IDLE:-15}
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$SRC/cli/target/summit-dr.jar" ] || { echo "build first: ./summit-dr --version" >&2; exit 2; }
. "$SRC/bench/lib/pg-cluster.sh"
pg_work agent-memory
chown postgres:postgres "$W"
mkdir -p "$W/summit/cli/target"
cp "$SRC/summit-dr" "$SRC/summit-dr-wal-push" "$W/summit/"
cp "$SRC/cli/target/summit-dr.jar" "$W/summit/cli/target/"
[ -f "$SRC/cli/target/summit-dr.jsa" ] && cp -p "$SRC/cli/target/summit-dr.jsa" "$W/summit/cli/target/"
chown -R postgres:postgres "$W/summit"; chmod -R a+rX "$W/summit"
S=$W/summit/summit-dr
printf 'bench-password\n' > "$W/password"; chmod 600 "$W/password"; chown postgres:postgres "$W/password"
as_summit() { as_pg env SUMMIT_PASSWORD_FILE="$W/password" SUMMIT_CLUSTER=main SUMMIT_LAUNCHER="$S" \
  ${AGENT_JAVA_OPTS:+SUMMIT_JAVA_OPTS="$AGENT_JAVA_OPTS"} ${MALLOC_ARENA_MAX:+MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX} "$S" "$@"; }

data=$W/data repo=$W/repo
mkdir -p "$repo"; chown postgres:postgres "$repo"
as_summit init --repo "$repo" --kdf-memory-kib 65536 --kdf-iterations 3 >/dev/null
pg_init "$data" "archive_mode = on" "archive_timeout = 60" "max_wal_size = 1GB" \
  "archive_command = '$W/summit/summit-dr-wal-push %p --agent $W/agent.sock --cluster main --repo $repo --password-file $W/password'"
extra=()
[ -n "${STREAM:-}" ] && extra=(--stream --dsn "host=$W/sock port=$PORT user=postgres")
as_summit agent --socket "$W/agent.sock" --pgdata "$data" --repo "$repo" ${extra[@]+"${extra[@]}"} > "$W/agent.log" 2>&1 &
bg_started $!
for _ in $(seq 600); do
  [ -S "$W/agent.sock" ] && curl -sf --unix-socket "$W/agent.sock" http://agent/status >/dev/null && break
  sleep 0.1
done
jvm=$(pgrep -u postgres -f "summit-dr.jar agent" | head -n 1)
[ -n "$jvm" ] || { cat "$W/agent.log" >&2; exit 1; }
# An agent that dies on the way (out of memory: it exits) fails the run with its log.
trap '[ -d "/proc/$jvm" ] || { echo "the agent exited; its log:" >&2; tail -n 20 "$W/agent.log" >&2; }; pg_cleanup' EXIT
pg_start "$data"
[ -n "${STREAM:-}" ] && sync_standby summit_dr

# sample SECONDS [PID]: max and last VmRSS (MiB) of the agent's JVM over SECONDS, or while PID lives.
sample() {
  local end max=0 kib
  end=$(( $(date +%s%N) + $1 * 1000000000 ))
  while if [ -n "${2:-}" ]; then kill -0 "$2" 2>/dev/null; else [ "$(date +%s%N)" -lt "$end" ]; fi; do
    kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$jvm/status")
    [ "$kib" -gt "$max" ] && max=$kib
    sleep 0.2
  done
  echo "$((max / 1024)) $((kib / 1024))"
}
read -r _ idle_before < <(sample "$IDLE")
lsn0=$(psql_ "SELECT pg_current_wal_lsn()")
# The load: pgbench's initialisation (a burst of full segments) and then LOAD seconds of pgbench.
( as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -i -s "${SCALE:-20}" -q postgres
  as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -c 4 -j 2 -n -T "$LOAD" postgres ) > "$W/pgbench.log" 2>&1 &
bench=$!
read -r load_max _ < <(sample 0 "$bench")
wait "$bench" || true
# NMT=1 (with -XX:NativeMemoryTracking=summary in AGENT_JAVA_OPTS): the JVM's own account, to stderr.
[ -n "${NMT:-}" ] && as_pg jcmd "$jvm" VM.native_memory summary >&2
wal_mib=$(psql_ "SELECT round(pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0') / 1048576)")
psql_ "SELECT pg_switch_wal()" >/dev/null
read -r _ idle_after < <(sample "$IDLE")
archived=$(psql_ "SELECT archived_count FROM pg_stat_archiver")
hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$jvm/status")
threads=$(awk '/^Threads/ { print $2 }' "/proc/$jvm/status")
opts=${AGENT_JAVA_OPTS:-launcher defaults}
echo "| mode | JVM options | idle after start MiB | peak while pushing MiB | idle after load MiB | VmHWM MiB | WAL written MiB | segments archived | threads |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
echo "| ${STREAM:+stream+}archive | $opts | $idle_before | $load_max | $idle_after | $hwm | $wal_mib | $archived | $threads |"
