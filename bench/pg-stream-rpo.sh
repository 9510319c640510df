#!/usr/bin/env bash
# RPO reached by WAL archiving against WAL streaming, under load (issue 15, item 9). For each mode a
# fresh PostgreSQL 15 cluster, a fresh local repository, the resident agent and a base backup; then
# pgbench -c 8 commits rows stamped with clock_timestamp() into a log table, and after LOAD seconds
# the postmaster is killed with -9 (the host is lost). The repository's latest state is restored
# ('pg restore --latest' through the agent) and compared with the truth: the killed cluster's own
# data directory, restarted (crash recovery keeps every commit it flushed locally).
#   archive  archive_command through the agent (summit-dr-wal-push), archive_timeout = ARCHIVE_TIMEOUT
#   stream   the same, plus the agent's receiver ('agent --stream') as the synchronous standby
# Reported per mode: commits on the primary, commits restored, commits lost, and the RPO in seconds
# (newest commit on the primary minus newest restored). In stream mode up to 8 commits (one per
# client) may be durable on the primary yet never acknowledged to their client when it died; those
# count as lost here although no client was told they committed.
#
# Usage: bench/pg-stream-rpo.sh [LOAD seconds, default 30]   ARCHIVE_TIMEOUT (default 60) s
# Runs as root; PostgreSQL, the agent and summit-dr run as postgres. Prints a markdown table.
set -euo pipefail
shopt -s inherit_errexit
LOAD=${1:-30}
ARCHIVE_TIMEOUT=${ARCHIVE_TIMEOUT:-60}
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$SRC/cli/target/summit-dr.jar" ] || { echo "build first: ./summit-dr --version (or mvn -pl cli -am package -DskipTests)" >&2; exit 2; }
. "$SRC/bench/lib/pg-cluster.sh"
pg_work stream-rpo
chown postgres:postgres "$W"   # the agent, its socket and the repositories are the postgres user's
# A copy of the launcher, its archive_command client and the jar that the postgres user can run.
mkdir -p "$W/summit/cli/target"
cp "$SRC/summit-dr" "$SRC/summit-dr-wal-push" "$W/summit/"
cp "$SRC/cli/target/summit-dr.jar" "$W/summit/cli/target/"
chmod -R a+rX "$W/summit"
S=$W/summit/summit-dr
printf 'bench-password\n' > "$W/password"; chmod 600 "$W/password"; chown postgres:postgres "$W/password"
as_summit() { as_pg env SUMMIT_PASSWORD_FILE="$W/password" SUMMIT_CLUSTER=main SUMMIT_LAUNCHER="$S" "$S" "$@"; }

# start_agent REPO DATA [--stream …]: the resident agent for DATA (sets AGENT_PID).
start_agent() {
  local repo=$1 data=$2 log=$W/agent-$(basename "$2").log; shift 2
  rm -f "$W/agent.sock"
  as_summit agent --socket "$W/agent.sock" --pgdata "$data" --repo "$repo" "$@" > "$log" 2>&1 &
  AGENT_PID=$!; bg_started "$AGENT_PID"
  for _ in $(seq 600); do
    [ -S "$W/agent.sock" ] && curl -sf --unix-socket "$W/agent.sock" http://agent/status >/dev/null && return
    kill -0 "$AGENT_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the agent did not start" >&2; cat "$log" >&2; exit 1
}
stop_agent() { kill $(pgrep -P "$AGENT_PID") "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; }

# count_and_newest DATA: "COUNT EPOCH" of the log table, the cluster in DATA started alone and stopped again.
count_and_newest() {
  pg_start "$1"
  psql_ "SELECT count(*) || ' ' || coalesce(extract(epoch FROM max(ts)), 0) FROM rpo_log"
  as_pg "$BIN/pg_ctl" -D "$1" -m fast stop >/dev/null
}

run_mode() {
  local mode=$1 data=$W/$1-data restored=$W/$1-restored
  mkdir -p "$W/repo-$mode"; chown postgres:postgres "$W/repo-$mode"
  as_summit init --repo "$W/repo-$mode" --kdf-memory-kib 65536 --kdf-iterations 3 >/dev/null
  pg_init "$data" "archive_mode = on" "archive_timeout = $ARCHIVE_TIMEOUT" \
    "archive_command = '$W/summit/summit-dr-wal-push %p --agent $W/agent.sock --cluster main --repo $W/repo-$mode --password-file $W/password'"
  if [ "$mode" = stream ]; then
    start_agent "$W/repo-$mode" "$data" --stream --dsn "host=$W/sock port=$PORT user=postgres"
  else
    start_agent "$W/repo-$mode" "$data"
  fi
  pg_start "$data"
  [ "$mode" = stream ] && sync_standby summit_dr
  psql_ "CREATE TABLE rpo_log (id bigserial PRIMARY KEY, ts timestamptz NOT NULL DEFAULT clock_timestamp())"
  as_summit pg backup --repo "$W/repo-$mode" --pgdata "$data" --dsn "host=$W/sock port=$PORT user=postgres" >/dev/null
  echo 'INSERT INTO rpo_log DEFAULT VALUES;' > "$W/insert.sql"; chmod 644 "$W/insert.sql"
  as_pg "$BIN/pgbench" -h "$W/sock" -p "$PORT" -U postgres -c 8 -j 2 -n -f "$W/insert.sql" -T $((LOAD + 60)) postgres \
    > "$W/pgbench-$mode.log" 2>&1 &
  local bench=$! load_start; load_start=$(date +%s.%N)
  sleep "$LOAD"
  kill -9 "$(head -n 1 "$data/postmaster.pid")"
  wait "$bench" 2>/dev/null || true
  pkill -9 -u postgres -f "postgres -D $data" 2>/dev/null || true   # the backends the postmaster left
  sleep 1
  # The repository's view first, while the agent still runs (its receiver has nothing more to get).
  stop_agent
  mkdir -p "$restored"; chown postgres:postgres "$restored"; chmod 700 "$restored"
  start_agent "$W/repo-$mode" "$restored"
  as_summit pg restore --repo "$W/repo-$mode" --pgdata "$restored" --latest --agent "$W/agent.sock" --target-action promote >/dev/null
  sed -i "s/^port = .*/port = $PORT/" "$restored/postgresql.conf"
  local got truth
  got=$(count_and_newest "$restored")
  stop_agent
  # The truth: the lost primary's own disk, crash-recovered (nothing archives from it now).
  sed -i "s/^archive_mode = on/archive_mode = off/; s/^synchronous_standby_names.*//" "$data/postgresql.conf"
  rm -f "$data/postgresql.auto.conf"
  truth=$(count_and_newest "$data")
  python3 - "$mode" "$truth" "$got" "$load_start" <<'PY'
import sys
mode, truth, got, load_start = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), float(sys.argv[4])
n_truth, t_truth, n_got, t_got = int(truth[0]), float(truth[1]), int(got[0]), float(got[1])
# Nothing of the load restored: everything since it began is lost (the backup ended just before).
rpo = f"{max(0.0, t_truth - t_got):.3f}" if n_got else f"{t_truth - load_start:.1f} (all of the load)"
print(f"| {mode} | {n_truth} | {n_got} | {n_truth - n_got} | {rpo} |")
PY
}

rows=()
for mode in archive stream; do
  echo "mode $mode: ${LOAD} s of load, then kill -9" >&2
  rows+=("$(run_mode "$mode")")
done
echo "| mode (archive_timeout ${ARCHIVE_TIMEOUT} s, pgbench -c 8, ${LOAD} s, kill -9) | commits on the primary | restored | lost | RPO s |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
