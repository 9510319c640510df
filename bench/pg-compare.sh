#!/usr/bin/env bash
# PostgreSQL benchmark: Summit DR against pgBackRest (Debian's) and pg_basebackup on one cluster,
# in one invocation (issue 7, item 8). Prints markdown tables and appends raw rows to
# bench/results/pg-compare.tsv.
#
# Usage: bench/pg-compare.sh [--scale 100] [--pgbench-seconds 60] [--runs 1] [--workdir /tmp/pgbench-work]
#   --scale            pgbench -i -s SCALE (100: a 1.5 GB database)
#   --pgbench-seconds  length of the pgbench run between the two backups (pgbench -c 4 -j 2 -T N)
#   --runs             repetitions, each from a new cluster and new, empty repositories; the tables
#                      show the median (and min–max when RUNS > 1)
#   --workdir          scratch directory, owned by postgres; removed at the end unless BENCH_KEEP=1
#                      (kept after a failure, with the logs in WORKDIR/logs). Needs about
#                      5 × the database + 3 × the WAL of the pgbench run (about 12 GB at scale 100).
# Runs as root (initdb, the servers, pgBackRest, pg_basebackup and summit-dr all run as the postgres
# user through runuser, as in production). Installs what is missing with apt-get: pgbackrest,
# postgresql-15, time, curl, python3.
#
# The cluster: initdb --data-checksums (the same cluster for every tool; page checksums make
# pgBackRest and Summit verify pages while backing up, pg_basebackup too), wal_level replica,
# archive_mode on, otherwise PostgreSQL 15's defaults, on a free loopback port.
# `pgbench -i -s SCALE` loads it while archive_command is /bin/true (that WAL is needed by no
# backup), then archiving starts and stays on for the whole run.
#
# Archiving, the same for every tool: one archive_command, WORKDIR/archive.sh, runs for every
# segment, in sequence,
#     summit-dr-wal-push %p --agent SOCKET …              (the resident agent: POSIX sh + one curl)
#  && pgbackrest --stanza=bench archive-push %p           (a process per segment, as configured by default)
#  && cp %p WORKDIR/walarchive/                           (plain copy: pg_basebackup's PITR archive)
# so every tool's archive receives exactly the same WAL while pgbench runs, and a backup that
# waits for its WAL (Summit: pg_backup_stop(wait_for_archive); pgBackRest: archive-check) waits
# for the same chain. A restored copy of the cluster (any other data directory) archives nothing.
#
# Tools as configured:
#   summit        launcher defaults (zstd 3, 1 MiB average chunks, encrypted: AES-256-GCM);
#                 `pg backup` both times (each is a full backup that stores only what changed);
#                 the agent runs as the systemd unit runs it (deploy/systemd: -Xmx256m
#                 -XX:+UseSerialGC, unless SUMMIT_JAVA_OPTS is set) with --pgdata (look-ahead)
#   summit-agent  the same commands with --agent SOCKET: backup, restore and PITR run inside a
#                 resident agent (warm JVM, repository open: no key derivation, no JIT warm-up per
#                 command), into its own repository (so that it stores what summit's would) with its
#                 own agent on the cluster (archive.sh pushes every segment to it too); restore and
#                 PITR go through an agent whose --pgdata is the restore target, started before the
#                 step and not timed (a DR host's agent is resident). No walpush step of its own
#   pgbackrest    --process-max=2 --compress-type=zst (level 3), start-fast, repo on local disk,
#                 repo1-retention-full 9999, encrypted (repo1-cipher-type aes-256-cbc; PGBR_CIPHER=none
#                 turns it off: every tool encrypts by default, as in file-backup.sh); first backup
#                 --type=full, second --type=incr
#   pg_basebackup -D DIR -X stream -c fast (plain format, uncompressed, not encrypted); PG 15 has
#                 no incremental backup, so its second backup is another full one; its "repository"
#                 is both backup directories plus the plain WAL archive. A baseline, not a peer.
#
# Steps, each run, every tool in turn (TOOLS order) before the next step:
#   full     full backup into the empty repository
#   (pgbench -c 4 -j 2 -T SECONDS, once for all tools; its end time T is taken after it exits,
#    then, one second later, a marker row is committed and the WAL switched and archived)
#   second   second backup (after the pgbench run); "repo +MB" is the growth since the full
#            backup: the pgbench run's WAL plus the second backup. An untimed CHECKPOINT runs
#            before each tool's second backup: otherwise the first tool's start-fast checkpoint
#            writes all of pgbench's dirty buffers and the next tool's finds none
#   walpush  WAL push latency per segment, sequential, as PostgreSQL's archiver calls it: up to
#            WAL_PUSH_SEGMENTS (default 64) real segments of the pgbench run, copied; into a separate
#            repository of each tool, so the size columns stay clean. Modes:
#              new     first push of each segment, the upload happens during the call
#                      (summit: the segments linked into a pg_wal without .ready markers, so
#                      the agent uploads nothing ahead; each
#                      agent first gets up to 32 warm-up pushes, not counted: copies under other
#                      names, since a production agent's JVM has long been warm)
#              ahead   (summit) the agent already uploaded the segments because PostgreSQL had
#                      marked them .ready (its --pgdata look-ahead, how it runs in production);
#                      the call only hands the file over and waits for the acknowledgement:
#                      launcher (bash) + curl + the agent's HTTP round trip = the overhead beyond
#                      the upload itself (the issue's target: ≤ 10 ms per segment). After each call
#                      the loop renames .ready to .done, as PostgreSQL does
#              repeat  the same segments again: already archived (summit: fetch + compare;
#                      pgBackRest: checksum + compare, a warning and exit 0)
#            cp (the plain copy pg_basebackup's archive uses) is shown as the floor: cp per segment.
#            Segment files are in the page cache (as when PostgreSQL just wrote them).
#   (the source server is stopped here: restored servers use its port; a real restore happens
#    when the primary is gone)
#   restore  restore of the latest backup into an empty directory, without starting a server
#            (summit: pg restore; pgBackRest: restore; pg_basebackup: cp -a of the second backup)
#   pitr     point-in-time recovery to T, the end of the pgbench run: restore of the newest backup
#            that ended before T (the full backup: every tool picks it), recovery_target_time = T,
#            promote, and start the server; the step ends when the server accepts a read-write
#            connection (pg_is_in_recovery() = false). So it includes fetching and replaying all the
#            WAL of the pgbench run. summit: pg restore --target-time T --target-action promote
#            --agent SOCKET --start (WAL fetched through an agent whose --pgdata is the restore
#            target, as on a DR host: an agent writes WAL only into its own pg_wal; it prefetches);
#            pgBackRest: restore --type=time --target=T --target-action=promote, then pg_ctl start
#            (restore_command: archive-get, a process per segment); pg_basebackup: cp -a of the full
#            backup, recovery settings with restore_command = 'cp ARCHIVE/%f %p', pg_ctl start.
#            Checked: pgbench_history has exactly the rows it had at T, the marker row is absent.
#            "detail" splits the time into restore and recovery.
# Measured per step: wall time; CPU (user+sys) of the tool's process tree (GNU time), plus the CPU of
# the agent that did the step's work where one did (summit-agent's backups and restores; both summit
# variants' PITR agent, which fetches the WAL); CPU of the
# whole machine during the step (/proc/stat: includes the PostgreSQL server — walsender, recovery,
# archive_command — and the Summit agent, which the process tree does not; run on a quiet machine);
# peak RSS of the largest process of the tool's tree (GNU time %M; the agent's own peak RSS is
# printed below the tables); repository size (du -sb) after the step — every archive also gets the
# WAL that the other tools' backups write (a checkpoint and a segment switch each), so the sizes
# after the last step compare the same WAL.
# Caches: as file-backup.sh (CACHE=cold|warm|auto): cold drops the page cache before each backup,
# restore and PITR step (not the server's shared buffers).
#
# Environment:
#   TOOLS             subset of: summit summit-agent pgbackrest pg_basebackup (default: summit pgbackrest pg_basebackup)
#   SUMMIT            summit-dr launcher (default: ./summit-dr, which builds the jar on first use).
#                     The real launcher is copied with its jar into WORKDIR so that the postgres
#                     user can run it (archive_command, restore_command, the agent)
#   SUMMIT_INIT_ARGS  extra `summit-dr init` arguments (default none)
#   SUMMIT_JAVA_OPTS  passed to the launcher (all summit-dr processes, the agent included)
#   BENCH_JFR         a directory: the summit backup, restore and PITR commands (not the agent) run
#                     with a JFR recording (profile settings), written there as
#                     summit-STEP-runN.jfr (read with `jfr print --events jdk.ExecutionSample` or
#                     `jfr summary`); timings taken with it on are not comparable
#   PGBR_CIPHER       aes-256-cbc (default) or none
#   WAL_PUSH_SEGMENTS segments per WAL push mode (default 64; fewer when the pgbench run made fewer)
#   PG_BIN            PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
#   CACHE, RESULTS (default bench/results/pg-compare.tsv), BENCH_MACHINE, BENCH_KEEP
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

SCALE=100
PGBENCH_SECONDS=60
RUNS=1
WORK=/tmp/pgbench-work
usage() { sed -n '6,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --scale|--pgbench-seconds|--runs|--workdir) [ $# -ge 2 ] || usage; opt=$1; val=$2; shift 2 ;;
    --scale=*|--pgbench-seconds=*|--runs=*|--workdir=*) opt=${1%%=*}; val=${1#*=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
  case $opt in
    --scale) SCALE=$val ;;
    --pgbench-seconds) PGBENCH_SECONDS=$val ;;
    --runs) RUNS=$val ;;
    --workdir) WORK=$val ;;
  esac
done
for n in "$SCALE" "$PGBENCH_SECONDS" "$RUNS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "--scale, --pgbench-seconds and --runs take a positive integer, got '$n'" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "run as root: the servers, pgBackRest and summit-dr run as the postgres user (runuser)" >&2; exit 2; }
id postgres >/dev/null 2>&1 || need_packages postgresql-common
case $WORK in /*) ;; *) WORK="$PWD/$WORK" ;; esac
WORK=${WORK%/}
# It goes into archive_command and restore_command lines: keep it plain.
[[ $WORK =~ ^/[A-Za-z0-9_./-]+$ ]] || { echo "--workdir: letters, digits, _ . / - only, got '$WORK'" >&2; exit 2; }

TOOLS=${TOOLS:-summit pgbackrest pg_basebackup}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SUMMIT=${SUMMIT:-$ROOT/summit-dr}
RESULTS=${RESULTS:-$ROOT/bench/results/pg-compare.tsv}
PGBR_CIPHER=${PGBR_CIPHER:-aes-256-cbc}
WAL_PUSH_SEGMENTS=${WAL_PUSH_SEGMENTS:-64}
read -r -a SUMMIT_INIT_EXTRA <<< "${SUMMIT_INIT_ARGS:-}"
AGENT_JAVA_OPTS=${SUMMIT_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}
has() { case " $TOOLS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
has_summit() { has summit || has summit-agent; }
for t in $TOOLS; do
  case $t in summit|summit-agent|pgbackrest|pg_basebackup) ;; *) echo "unknown tool '$t' (summit summit-agent pgbackrest pg_basebackup)" >&2; exit 2 ;; esac
done
case $PGBR_CIPHER in aes-256-cbc|none) ;; *) echo "PGBR_CIPHER is aes-256-cbc or none" >&2; exit 2 ;; esac

# --- packages -------------------------------------------------------------------------------------
needs=(/usr/bin/time:time curl:curl python3:python3 runuser:util-linux)
has pgbackrest && needs+=(pgbackrest:pgbackrest)
need_commands "${needs[@]}"
for b in initdb pg_ctl postgres pgbench psql pg_basebackup; do
  [ -x "$PG_BIN/$b" ] || { need_packages postgresql-15 postgresql-client-15; break; }
done

# --- the work directory -----------------------------------------------------------------------------
if [ -e "$WORK" ] && [ -n "$(ls -A "$WORK" 2>/dev/null)" ] && [ ! -f "$WORK/.pg-compare" ]; then
  echo "$WORK exists, is not empty and was not made by this script: give another --workdir" >&2; exit 2
fi
SRC=$WORK/src                  # the cluster's data directory
SOCK=$WORK/sock                # its UNIX socket directory (also of restored servers)
RESTORED=$WORK/restore         # restore and PITR target
LOGS=$WORK/logs
S_REPO=$WORK/summit-repo S_PASS=$WORK/summit.pass S_AGENT=$WORK/agent.sock S_RESTORE_AGENT=$WORK/restore-agent.sock
SA_REPO=$WORK/summit-agent-repo SA_AGENT=$WORK/summit-agent.sock SA_RESTORE_AGENT=$WORK/summit-agent-restore.sock
BR_CONF=$WORK/pgbackrest.conf BR_DIR=$WORK/pgbackrest
BB_DIR=$WORK/basebackup WAL_COPY=$WORK/walarchive
AS_PG=(runuser -u postgres --)

SERVERS=()   # data directories of servers this script started
AGENTS=()    # pids of agents this script started
cleanup() {
  local rc=$? d p
  set +e
  for d in "${SERVERS[@]}"; do
    [ -f "$d/postmaster.pid" ] && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1
  done
  for p in "${AGENTS[@]}"; do stop_agent "$p"; done
  if [ $rc -eq 0 ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
    rm -rf "$WORK"
  elif [ -d "$WORK" ]; then
    echo "work directory kept: $WORK (logs in $LOGS)" >&2
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_agent() {  # pid of the runuser that runs it (runuser passes SIGTERM on to the JVM)
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

rm -rf "$WORK"
mkdir -p "$WORK"
touch "$WORK/.pg-compare"
chown postgres:postgres "$WORK"
chmod 755 "$WORK"
"${AS_PG[@]}" mkdir -p "$LOGS" "$SOCK"
"${AS_PG[@]}" test -w "$WORK" || { echo "the postgres user cannot write $WORK (a parent directory closed to it?): give another --workdir" >&2; exit 2; }

# --- summit-dr as the postgres user -----------------------------------------------------------------
SUMMIT_PG=$SUMMIT
if has_summit; then
  "$SUMMIT" --version >/dev/null </dev/null   # the launcher builds the jar here if needed, not inside a measurement
  summit_src=$(dirname "$(readlink -f "$SUMMIT")")
  SUMMIT_COMMIT=unknown
  PUSH_ARGV=("$SUMMIT_PG" pg wal-push)   # archive_command's client, replaced below by summit-dr-wal-push when present
  if [ "$(basename "$SUMMIT")" = summit-dr ] && [ -f "$summit_src/cli/target/summit-dr.jar" ]; then
    # A copy of the launcher and its jar the postgres user can read; the copy never rebuilds (no
    # sources beside it) and is what archive_command and restore_command name.
    mkdir -p "$WORK/summit/cli/target"
    cp "$summit_src/summit-dr" "$WORK/summit/summit-dr"
    [ -f "$summit_src/summit-dr-wal-push" ] && cp "$summit_src/summit-dr-wal-push" "$WORK/summit/summit-dr-wal-push"
    cp "$summit_src/cli/target/summit-dr.jar" "$WORK/summit/cli/target/"
    # and its HTTP client, where Maven built it (gcc): the script finds it in cli/target/ beside it
    [ -x "$summit_src/cli/target/summit-dr-wal-push-client" ] && cp "$summit_src/cli/target/summit-dr-wal-push-client" "$WORK/summit/cli/target/"
    chmod -R a+rX "$WORK/summit"
    SUMMIT_PG=$WORK/summit/summit-dr
    # archive_command's client: the POSIX-sh summit-dr-wal-push beside the launcher when there is one,
    # its native client (the same arguments, what the script hands over to) where Maven built it
    [ -x "$WORK/summit/summit-dr-wal-push" ] && PUSH_ARGV=("$WORK/summit/summit-dr-wal-push")
    [ -x "$WORK/summit/cli/target/summit-dr-wal-push-client" ] && PUSH_ARGV=("$WORK/summit/cli/target/summit-dr-wal-push-client")
    SUMMIT_COMMIT=$(git -C "$summit_src" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$summit_src" diff --quiet HEAD -- . 2>/dev/null || echo +dirty)
  fi
  if ! "${AS_PG[@]}" "$SUMMIT_PG" --version >/dev/null 2>&1 </dev/null; then
    echo "the postgres user cannot run $SUMMIT_PG: make it and its jar readable (chmod -R a+rX) or set SUMMIT" >&2; exit 2
  fi
fi
summit() {  # runs summit-dr as postgres with the benchmark repository
  "${AS_PG[@]}" env SUMMIT_REPOSITORY="$S_REPO" SUMMIT_PASSWORD_FILE="$S_PASS" "$SUMMIT_PG" "$@"
}

declare -A VERSION
has_summit && VERSION[summit]="$("$SUMMIT_PG" --version 2>/dev/null </dev/null | head -n 1 | cut -d' ' -f1-2) $SUMMIT_COMMIT"
has summit-agent && VERSION[summit-agent]="${VERSION[summit]}"
has pgbackrest && VERSION[pgbackrest]="$(pgbackrest version)"
VERSION[pg_basebackup]="$("$PG_BIN/pg_basebackup" --version)"
VERSION[cp]="$(cp --version | head -n 1)"
PG_VERSION=$("$PG_BIN/postgres" --version)

# --- measuring ---------------------------------------------------------------------------------------
HZ=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
# timed LOG CMD... : measure (M_WALL, M_CPU, M_RSS) plus M_MCPU, the whole machine's CPU seconds.
# M_WALL is taken with date (ns), not GNU time's 10 ms steps: WAL pushes are a few ms each.
timed() {
  local t0 w0; t0=$(machine_ticks); w0=$(date +%s%N)
  measure "$@" </dev/null || return $?
  M_WALL=$(awk -v a="$w0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  M_MCPU=$(awk -v a="$t0" -v b="$(machine_ticks)" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
}

sql() {  # one statement on the source (or restored) server, unaligned output
  "${AS_PG[@]}" "$PG_BIN/psql" -X -q -At -h "$SOCK" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1"
}

repo_bytes() {
  case $1 in
    summit) du -sb "$S_REPO" | cut -f1 ;;
    summit-agent) du -sb "$SA_REPO" | cut -f1 ;;
    pgbackrest) du -sb "$BR_DIR/repo" | cut -f1 ;;
    pg_basebackup) du -sbc "$BB_DIR" "$WAL_COPY" | tail -n 1 | cut -f1 ;;
  esac
}
repo_path() {
  case $1 in summit) echo "$S_REPO" ;; summit-agent) echo "$SA_REPO" ;; pgbackrest) echo "$BR_DIR/repo" ;; pg_basebackup) echo "$BB_DIR $WAL_COPY" ;; esac
}

resolve_cache_mode
MACHINE=$(machine_label)
DATE=$(date -u +%FT%TZ)
mkdir -p "$(dirname "$RESULTS")"
HEADER="date	machine	cache	scale	pgbench_s	tool	version	op	run	wall_s	cpu_s	machine_cpu_s	max_rss_kib	repo_bytes	repo_growth_bytes	segments	detail"
[ -s "$RESULTS" ] || echo "$HEADER" > "$RESULTS"
ROWS=$WORK/rows.tsv
: > "$ROWS"

# record TOOL OP RUN REPO_BYTES GROWTH SEGMENTS DETAIL (uses M_*; AGENT_SPLIT, where a step set it, joins DETAIL)
record() {
  local row
  if [ -n "${AGENT_SPLIT:-}" ]; then set -- "$1" "$2" "$3" "$4" "$5" "$6" "${7:+$7; }$AGENT_SPLIT"; AGENT_SPLIT=""; fi
  row="$DATE	$MACHINE	$CACHE_MODE	$SCALE	$PGBENCH_SECONDS	$1	${VERSION[$1]}	$2	$3	$M_WALL	$M_CPU	$M_MCPU	$M_RSS	$4	$5	$6	$7"
  echo "$row" >> "$ROWS"
  echo "$row" >> "$RESULTS"
  printf '  %-13s %-14s wall %8ss  cpu %7ss  machine cpu %7ss  rss %5d MiB  %s%s\n' "$1" "$2" "$M_WALL" "$M_CPU" \
    "$M_MCPU" $((M_RSS / 1024)) "${4:+repo $(($4 / 1000000)) MB  }" "$7" >&2
}

# --- one run -----------------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {  # data directory, log
  SERVERS+=("$1")
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$1" -l "$2" -w -t 3600 start >/dev/null \
    || { echo "pg_ctl start failed for $1:" >&2; tail -n 20 "$2" >&2; return 1; }
}
stop_server() {
  [ -f "$1/postmaster.pid" ] || return 0
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$1" -m fast -w -t 600 stop >/dev/null
}

start_agent() {  # socket cluster log [pgdata]: sets AGENT_PID (of runuser) and AGENT_JAVA (the JVM)
  local sock=$1 cluster=$2 log=$3 pgdata=${4:-} repo=${AGENT_REPO:-$S_REPO}
  rm -f "$sock"
  "${AS_PG[@]}" env SUMMIT_JAVA_OPTS="$AGENT_JAVA_OPTS" "$SUMMIT_PG" agent --socket "$sock" --cluster "$cluster" \
    --repo "$repo" --password-file "$S_PASS" ${pgdata:+--pgdata "$pgdata"} ${AGENT_ACCEPT:+--accept-commands} > "$log" 2>&1 </dev/null &
  AGENT_PID=$!
  AGENTS+=("$AGENT_PID")
  for _ in $(seq 1 600); do
    [ -S "$sock" ] && curl -sf --unix-socket "$sock" http://agent/status >/dev/null && break
    kill -0 "$AGENT_PID" 2>/dev/null || { echo "the agent exited:" >&2; cat "$log" >&2; return 1; }
    sleep 0.1
  done
  [ -S "$sock" ] || { echo "the agent did not open $sock:" >&2; cat "$log" >&2; return 1; }
  AGENT_JAVA=$(ps -o pid= --ppid "$AGENT_PID" | head -n 1 | tr -d ' ')
}
agent_status() { curl -sf --unix-socket "$1" http://agent/status; }
# The work of summit-agent's steps happens in the agent's JVM, outside the measured process tree:
# its CPU seconds (utime + stime from /proc) during the step are added to M_CPU, and its peak RSS
# (VmHWM, over its life) counts when larger than the client's.
agent_cpu() { awk '{ printf "%.2f", ($14 + $15) / '"$HZ"' }' "/proc/$1/stat" 2>/dev/null || echo 0; }
add_agent_cost() {  # JVM-pid cpu-before
  local hwm
  AGENT_SPLIT="client $M_CPU CPU-s + agent $(awk -v b="$2" -v c="$(agent_cpu "$1")" 'BEGIN { printf "%.2f", c - b }') CPU-s"
  M_CPU=$(awk -v a="$M_CPU" -v b="$2" -v c="$(agent_cpu "$1")" 'BEGIN { printf "%.2f", a + c - b }')
  hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0)
  [ "$hwm" -le "$M_RSS" ] || M_RSS=$hwm
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

write_archive_script() {
  local real_src; real_src=$(readlink -f "$SRC")
  {
    echo '#!/bin/sh'
    echo '# archive_command of the pg-compare.sh cluster: every segment into every archive, in sequence.'
    echo '# A restored copy of the cluster (another data directory) archives nothing.'
    echo "[ \"\$(pwd -P)\" = '$real_src' ] || exit 0"
    echo 'f=$(basename "$1")'
    has summit && echo "$(printf "'%s' " "${PUSH_ARGV[@]}")\"\$1\" --agent '$S_AGENT' --cluster main --repo '$S_REPO' --password-file '$S_PASS' || exit 1"
    has summit-agent && echo "$(printf "'%s' " "${PUSH_ARGV[@]}")\"\$1\" --agent '$SA_AGENT' --cluster main --repo '$SA_REPO' --password-file '$S_PASS' || exit 1"
    has pgbackrest && echo "pgbackrest --config='$BR_CONF' --stanza=bench archive-push \"\$1\" || exit 1"
    echo "cp \"\$1\" '$WAL_COPY'/\"\$f.tmp\" && mv '$WAL_COPY'/\"\$f.tmp\" '$WAL_COPY'/\"\$f\""
  } > "$WORK/archive.sh"
  chmod 755 "$WORK/archive.sh"
}

write_pgbackrest_conf() {  # file repo-dir
  "${AS_PG[@]}" mkdir -p "$2/repo" "$2/log" "$2/lock" "$2/spool"
  {
    echo "[global]"
    echo "repo1-path=$2/repo"
    echo "repo1-retention-full=9999"
    if [ "$PGBR_CIPHER" != none ]; then echo "repo1-cipher-type=$PGBR_CIPHER"; echo "repo1-cipher-pass=bench-password"; fi
    echo "process-max=2"
    echo "compress-type=zst"
    echo "start-fast=y"
    echo "log-path=$2/log"
    echo "lock-path=$2/lock"
    echo "spool-path=$2/spool"
    echo "log-level-console=warn"
    echo "[bench]"
    echo "pg1-path=$SRC"
    echo "pg1-port=$PORT"
    echo "pg1-socket-path=$SOCK"
  } > "$1"
  chown postgres:postgres "$1"
  chmod 600 "$1"
}

summit_opts() {  # step run: SUMMIT_JAVA_OPTS=… for one command (JFR with BENCH_JFR)
  if [ -n "${BENCH_JFR:-}" ]; then
    mkdir -p "$BENCH_JFR"; chmod 777 "$BENCH_JFR"
    echo "SUMMIT_JAVA_OPTS=${SUMMIT_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC} -XX:StartFlightRecording=settings=profile,filename=$BENCH_JFR/summit-$1-run$2.jfr"
  else
    echo "SUMMIT_JAVA_OPTS=${SUMMIT_JAVA_OPTS:-}"
  fi
}

backup() {  # tool op(full|second) run
  local t=$1 op=$2 log=$LOGS/$1-$2-run$3.log
  prepare_caches "$SRC"
  case $t in
    summit) timed "$log" "${AS_PG[@]}" env "$(summit_opts "$op" "$3")" SUMMIT_REPOSITORY="$S_REPO" SUMMIT_PASSWORD_FILE="$S_PASS" "$SUMMIT_PG" \
              pg backup --pgdata "$SRC" --dsn "postgresql://postgres@127.0.0.1:$PORT/postgres" --json ;;
    summit-agent) local c0; c0=$(agent_cpu "$SA_AGENT_JAVA")
              timed "$log" "${AS_PG[@]}" env "$(summit_opts "$op" "$3")" SUMMIT_REPOSITORY="$SA_REPO" SUMMIT_PASSWORD_FILE="$S_PASS" "$SUMMIT_PG" \
                pg backup --pgdata "$SRC" --dsn "postgresql://postgres@127.0.0.1:$PORT/postgres" --json --agent "$SA_AGENT"
              add_agent_cost "$SA_AGENT_JAVA" "$c0"
              ! grep -q 'running in-process' "$log" || { echo "summit-agent: the backup did not run in the agent" >&2; cat "$log" >&2; return 1; } ;;
    pgbackrest) timed "$log" "${AS_PG[@]}" pgbackrest --config="$BR_CONF" --stanza=bench \
              --type="$([ "$op" = full ] && echo full || echo incr)" backup ;;
    pg_basebackup) timed "$log" "${AS_PG[@]}" "$PG_BIN/pg_basebackup" -h "$SOCK" -p "$PORT" -U postgres \
              -D "$BB_DIR/$op" -X stream -c fast ;;
  esac
}

restore_latest() {  # tool run
  local t=$1 log=$LOGS/$1-restore-run$2.log
  prepare_caches $(repo_path "$t")
  case $t in
    summit) timed "$log" "${AS_PG[@]}" env "$(summit_opts restore "$2")" SUMMIT_REPOSITORY="$S_REPO" SUMMIT_PASSWORD_FILE="$S_PASS" "$SUMMIT_PG" \
              pg restore --pgdata "$RESTORED" ;;
    summit-agent)
              # The DR host's resident agent serves the restore target (started untimed, as it runs before a disaster).
              AGENT_ACCEPT=1 AGENT_REPO=$SA_REPO start_agent "$SA_RESTORE_AGENT" main "$LOGS/agent-restore-latest-run$2.log" "$RESTORED" || return 1
              local restore_agent=$AGENT_PID restore_java=$AGENT_JAVA c0; c0=$(agent_cpu "$AGENT_JAVA")
              timed "$log" "${AS_PG[@]}" env "$(summit_opts restore "$2")" SUMMIT_REPOSITORY="$SA_REPO" SUMMIT_PASSWORD_FILE="$S_PASS" "$SUMMIT_PG" \
                pg restore --pgdata "$RESTORED" --agent "$SA_RESTORE_AGENT"
              add_agent_cost "$restore_java" "$c0"
              stop_agent "$restore_agent"
              ! grep -q 'running in-process' "$log" || { echo "summit-agent: the restore did not run in the agent" >&2; cat "$log" >&2; return 1; } ;;
    pgbackrest) "${AS_PG[@]}" mkdir -m 700 "$RESTORED"
              timed "$log" "${AS_PG[@]}" pgbackrest --config="$BR_CONF" --stanza=bench --pg1-path="$RESTORED" restore ;;
    pg_basebackup) timed "$log" "${AS_PG[@]}" cp -a "$BB_DIR/second" "$RESTORED" ;;
  esac
  [ -f "$RESTORED/PG_VERSION" ] && [ -d "$RESTORED/base" ] \
    || { echo "$t: $RESTORED is not a data directory after the restore" >&2; return 1; }
}

# The PITR step as one script (run under GNU time): restore, start, wait until read-write.
write_pitr_script() {
  cat > "$WORK/pitr.sh" <<EOF
#!/usr/bin/env bash
# pg-compare.sh's PITR step: pitr.sh TOOL TARGET_ISO TARGET_PG — restore to the target, start the
# server, wait until it accepts a read-write connection.
set -euo pipefail
tool=\$1 target_iso=\$2 target_pg=\$3
as_pg() { runuser -u postgres -- "\$@"; }
case \$tool in
  summit)
    as_pg env SUMMIT_REPOSITORY='$S_REPO' SUMMIT_PASSWORD_FILE='$S_PASS' '$SUMMIT_PG' pg restore --pgdata '$RESTORED' \\
      --target-time "\$target_iso" --target-action promote --agent '$S_RESTORE_AGENT' --start --pg-bin '$PG_BIN' --json > '$WORK/pitr-summit.json' ;;
  summit-agent)
    as_pg env SUMMIT_REPOSITORY='$SA_REPO' SUMMIT_PASSWORD_FILE='$S_PASS' '$SUMMIT_PG' pg restore --pgdata '$RESTORED' \\
      --target-time "\$target_iso" --target-action promote --agent '$SA_RESTORE_AGENT' --start --pg-bin '$PG_BIN' --json > '$WORK/pitr-summit.json' ;;
  pgbackrest)
    as_pg mkdir -m 700 '$RESTORED'
    as_pg pgbackrest --config='$BR_CONF' --stanza=bench --pg1-path='$RESTORED' --type=time --target="\$target_pg" \\
      --target-action=promote restore ;;
  pg_basebackup)
    as_pg cp -a '$BB_DIR/full' '$RESTORED'
    printf '%s\\n' "restore_command = 'cp $WAL_COPY/%f %p'" "recovery_target_time = '\$target_pg'" \\
      "recovery_target_action = 'promote'" | as_pg tee -a '$RESTORED/postgresql.auto.conf' >/dev/null
    as_pg touch '$RESTORED/recovery.signal' ;;
esac
date +%s.%N > '$WORK/pitr-restored-at'
if [ ! -f '$RESTORED/postmaster.pid' ]; then
  as_pg '$PG_BIN/pg_ctl' -D '$RESTORED' -l '$LOGS/restored-'"\$tool"'.log' -w -t 3600 start
fi
until [ "\$(as_pg '$PG_BIN/psql' -X -At -h '$SOCK' -p '$PORT' -U postgres -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null)" = f ]; do
  [ -f '$RESTORED/postmaster.pid' ] || { echo "the restored server stopped" >&2; exit 1; }
  sleep 0.05
done
EOF
  chmod 755 "$WORK/pitr.sh"
}

pitr() {  # tool run: sets PITR_DETAIL
  local t=$1 log=$LOGS/$1-pitr-run$2.log t0 fetched0=0 hits0=0 recovery_ms="" agent_c0=0
  prepare_caches $(repo_path "$t")
  SERVERS+=("$RESTORED")
  local ra=$S_RESTORE_AGENT repo=$S_REPO
  [ "$t" = summit-agent ] && ra=$SA_RESTORE_AGENT repo=$SA_REPO
  if [ "$t" = summit ] || [ "$t" = summit-agent ]; then
    # The DR host's agent: its --pgdata is the restore target (it need not exist yet).
    # summit-agent's runs the restore itself; summit's only fetches WAL (the restore runs in-process).
    AGENT_ACCEPT=$([ "$t" = summit-agent ] && echo 1) AGENT_REPO=$repo start_agent "$ra" main "$LOGS/agent-restore-$t-run$2.log" "$RESTORED" || return 1
    RESTORE_AGENT_PID=$AGENT_PID RESTORE_AGENT_JAVA=$AGENT_JAVA
    agent_c0=$(agent_cpu "$AGENT_JAVA")
    fetched0=$(agent_status "$ra" | json_field fetched); hits0=$(agent_status "$ra" | json_field prefetchHits)
  fi
  t0=$(date +%s.%N)
  timed "$log" bash "$WORK/pitr.sh" "$t" "$TARGET_ISO" "$TARGET_PG" \
    || { tail -n 20 "$LOGS/restored-$t.log" "$RESTORED/summit-dr-recovery.log" 2>/dev/null >&2; return 1; }
  local restored_at; restored_at=$(cat "$WORK/pitr-restored-at")
  if [ "$t" = summit ] || [ "$t" = summit-agent ]; then
    # pg restore --start restores, then starts the server and waits: its JSON says how long recovery took.
    recovery_ms=$(json_field recoveryMillis < "$WORK/pitr-summit.json")
  fi
  PITR_DETAIL=$(awk -v a="$t0" -v b="$restored_at" -v w="$M_WALL" -v r="$recovery_ms" 'BEGIN {
    restore = b - a; if (r != "") restore -= r / 1000
    printf "restore %.2f s + start and recovery %.2f s", restore, w - restore }')
  if [ "$t" = summit ] || [ "$t" = summit-agent ]; then
    PITR_DETAIL+=", $(( $(agent_status "$ra" | json_field fetched) - fetched0 )) WAL files through the agent"
    PITR_DETAIL+=" ($(( $(agent_status "$ra" | json_field prefetchHits) - hits0 )) prefetched)"
    # summit's PITR restore runs in its client, summit-agent's in the agent: both agents' CPU counts.
    add_agent_cost "$RESTORE_AGENT_JAVA" "$agent_c0"
    stop_agent "$RESTORE_AGENT_PID"
  fi
}

# push_loop LOG RENAME STATUS_DIR CMD... : as PostgreSQL's archiver, for each file of PUSH_FILES in
# turn: system("CMD") (/bin/sh -c, @SEG@ = the file), then with RENAME=1 rename(STATUS_DIR/NAME.ready,
# NAME.done) in-process. Runs as postgres under timed; M_WALL is the loop's own time (without the
# driver's start).
push_loop() {
  local log=$1 rename=$2 status=$3; shift 3
  local template; template=$(printf '%q ' "$@")
  timed "$log" "${AS_PG[@]}" python3 -c '
import os, subprocess, sys, time
out, rename, status, template = sys.argv[1:5]
t0 = time.monotonic()
for f in sys.argv[5:]:
    if subprocess.run(template.replace("@SEG@", f), shell=True).returncode != 0:
        sys.exit("failed: " + template.replace("@SEG@", f))
    if rename == "1":
        b = os.path.basename(f)
        os.rename(f"{status}/{b}.ready", f"{status}/{b}.done")
with open(out, "w") as o:
    o.write("%.4f\n" % (time.monotonic() - t0))
' "$WORK/push-loop-seconds" "$rename" "$status" "$template" "${PUSH_FILES[@]}"
  M_WALL=$(cat "$WORK/push-loop-seconds")
}
per_segment() { awk -v w="$M_WALL" -v n="$1" 'BEGIN { printf "%.1f ms/segment", 1000 * w / n }'; }

# walpush RUN: the WAL push latencies of SEGMENTS (see the header).
walpush() {
  local run=$1 n=${#SEGMENTS[@]} d=$WORK/walpush f
  # Warm-up for the JVM of an agent (a production agent has run for long, its HTTP path compiled):
  # up to 32 copies of the segments, the first 8 under timelines 9 to C's names, pushed before the
  # timed calls and not counted (8 until session 11: the agent's round trip was then still ~2.4 ms,
  # 0.7 ms once warm; docs/benchmarks.md, "WAL push per segment").
  local warm=() tli
  "${AS_PG[@]}" mkdir -p "$d/warm"
  for tli in 00000009 0000000A 0000000B 0000000C; do
    for f in "${SEGMENTS[@]:0:8}"; do
      "${AS_PG[@]}" ln "$f" "$d/warm/$tli${f##*/00000001}"
      warm+=("$d/warm/$tli${f##*/00000001}")
    done
  done
  if has summit; then
    # Its own repository (same init arguments), one cluster name per agent.
    AGENT_REPO=$d/summit-repo
    "${AS_PG[@]}" "$SUMMIT_PG" init --repo "$AGENT_REPO" --password-file "$S_PASS" "${SUMMIT_INIT_EXTRA[@]}" > "$LOGS/walpush-init.log" 2>&1 \
      || { cat "$LOGS/walpush-init.log" >&2; return 1; }
    # new, then repeat: the segments in a pg_wal without archive_status (no .ready markers), so
    # the agent uploads a segment only when it is asked to (it reads only its --pgdata's pg_wal).
    local newwal=$d/newdata/pg_wal
    "${AS_PG[@]}" mkdir -p "$newwal"
    for f in "${warm[@]}" "${SEGMENTS[@]}"; do "${AS_PG[@]}" ln "$f" "$newwal/"; done
    start_agent "$d/new.sock" walpush-new "$LOGS/walpush-agent-new.log" "$d/newdata"
    local pid_new=$AGENT_PID
    local cmd=("${PUSH_ARGV[@]}" @SEG@ --agent "$d/new.sock" --cluster walpush-new --repo "$AGENT_REPO" --password-file "$S_PASS")
    PUSH_FILES=()
    for f in "${warm[@]}"; do PUSH_FILES+=("$newwal/${f##*/}"); done
    push_loop "$LOGS/walpush-summit-warmup-run$run.log" 0 - "${cmd[@]}"
    PUSH_FILES=()
    for f in "${SEGMENTS[@]}"; do PUSH_FILES+=("$newwal/${f##*/}"); done
    push_loop "$LOGS/walpush-summit-new-run$run.log" 0 - "${cmd[@]}"
    record summit walpush-new "$run" "" "" "$n" "$(per_segment "$n")"
    [ "$(agent_status "$d/new.sock" | json_field pushed)" = $((n + ${#warm[@]})) ] \
      || { echo "summit: not every push went through the agent" >&2; agent_status "$d/new.sock" >&2; return 1; }
    push_loop "$LOGS/walpush-summit-repeat-run$run.log" 0 - "${cmd[@]}"
    record summit walpush-repeat "$run" "" "" "$n" "$(per_segment "$n")"
    stop_agent "$pid_new"
    # ahead: a data directory whose pg_wal holds the segments, marked .ready; the agent uploads them
    # before archive_command asks (as while PostgreSQL is still busy archiving earlier segments).
    local wal=$d/pgdata/pg_wal
    "${AS_PG[@]}" mkdir -p "$wal/archive_status"
    for f in "${warm[@]}" "${SEGMENTS[@]}"; do
      "${AS_PG[@]}" ln "$f" "$wal/"
      "${AS_PG[@]}" touch "$wal/archive_status/${f##*/}.ready"
    done
    start_agent "$d/ahead.sock" walpush-ahead "$LOGS/walpush-agent-ahead.log" "$d/pgdata"
    local pid_ahead=$AGENT_PID total=$((n + ${#warm[@]}))
    for _ in $(seq 1 6000); do
      [ "$(agent_status "$d/ahead.sock" | json_field preUploaded)" = "$total" ] && break
      sleep 0.1
    done
    [ "$(agent_status "$d/ahead.sock" | json_field preUploaded)" = "$total" ] \
      || { echo "summit: the agent did not upload the ready segments ahead" >&2; agent_status "$d/ahead.sock" >&2; return 1; }
    cmd=("${PUSH_ARGV[@]}" @SEG@ --agent "$d/ahead.sock" --cluster walpush-ahead --repo "$AGENT_REPO" --password-file "$S_PASS")
    PUSH_FILES=()
    for f in "${warm[@]}"; do PUSH_FILES+=("$wal/${f##*/}"); done
    push_loop "$LOGS/walpush-summit-warmup-ahead-run$run.log" 1 "$wal/archive_status" "${cmd[@]}"
    PUSH_FILES=()
    for f in "${SEGMENTS[@]}"; do PUSH_FILES+=("$wal/${f##*/}"); done
    push_loop "$LOGS/walpush-summit-ahead-run$run.log" 1 "$wal/archive_status" "${cmd[@]}"
    # A push hands the upload's future over; if the look-ahead scan sees NAME.ready again before the
    # rename, it uploads the segment once more (in the background): counted here.
    sleep 1
    local again=$(( $(agent_status "$d/ahead.sock" | json_field preUploaded) - total ))
    record summit walpush-ahead "$run" "" "" "$n" "$(per_segment "$n"), $again uploaded again by the look-ahead"
    [ "$(agent_status "$d/ahead.sock" | json_field pushed)" = "$total" ] \
      || { echo "summit: not every push went through the agent" >&2; agent_status "$d/ahead.sock" >&2; return 1; }
    stop_agent "$pid_ahead"
    unset AGENT_REPO
  fi
  PUSH_FILES=("${SEGMENTS[@]}")
  if has pgbackrest; then
    write_pgbackrest_conf "$d/pgbackrest.conf" "$d/pgbackrest"
    "${AS_PG[@]}" pgbackrest --config="$d/pgbackrest.conf" --stanza=bench stanza-create > "$LOGS/walpush-stanza.log" 2>&1 \
      || { cat "$LOGS/walpush-stanza.log" >&2; return 1; }
    local br=(pgbackrest --config="$d/pgbackrest.conf" --stanza=bench archive-push @SEG@)
    push_loop "$LOGS/walpush-pgbackrest-new-run$run.log" 0 - "${br[@]}"
    record pgbackrest walpush-new "$run" "" "" "$n" "$(per_segment "$n")"
    push_loop "$LOGS/walpush-pgbackrest-repeat-run$run.log" 0 - "${br[@]}"
    record pgbackrest walpush-repeat "$run" "" "" "$n" "$(per_segment "$n")"
  fi
  "${AS_PG[@]}" mkdir -p "$d/cp"
  push_loop "$LOGS/walpush-cp-new-run$run.log" 0 - cp @SEG@ "$d/cp/"
  record cp walpush-new "$run" "" "" "$n" "$(per_segment "$n")"
  rm -rf "$d/summit-repo" "$d/pgbackrest" "$d/pgdata" "$d/cp" "$d/warm"
}

one_run() {
  local run=$1 t
  echo "run $run/$RUNS: cluster (initdb --data-checksums, pgbench -i -s $SCALE)" >&2
  rm -rf "$SRC" "$RESTORED" "$S_REPO" "$BR_DIR" "$BB_DIR" "$WAL_COPY" "$WORK/walpush"
  "${AS_PG[@]}" mkdir -p "$BB_DIR" "$WAL_COPY"
  PORT=$(free_port)
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$SRC" -U postgres --auth=trust --data-checksums -E UTF8 --locale=C.UTF-8 \
    > "$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log" >&2; return 1; }
  cat >> "$SRC/postgresql.conf" <<EOF

# pg-compare.sh
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
wal_level = replica
archive_mode = on
archive_command = '/bin/true'
EOF
  start_server "$SRC" "$LOGS/src-run$run.log"
  sql "CREATE TABLE bench_marker (t text)"
  "${AS_PG[@]}" "$PG_BIN/pgbench" -i -s "$SCALE" -q -h "$SOCK" -p "$PORT" -U postgres postgres > "$LOGS/pgbench-init.log" 2>&1 \
    || { cat "$LOGS/pgbench-init.log" >&2; return 1; }
  sql "CHECKPOINT"

  # The repositories, the agent, then real archiving.
  if has summit; then
    umask 077; echo 'bench-password' > "$S_PASS"; umask 022
    chown postgres:postgres "$S_PASS"
    summit init --repo "$S_REPO" "${SUMMIT_INIT_EXTRA[@]}" > "$LOGS/summit-init.log" 2>&1 || { cat "$LOGS/summit-init.log" >&2; return 1; }
    start_agent "$S_AGENT" main "$LOGS/agent-run$run.log" "$SRC"
    MAIN_AGENT_PID=$AGENT_PID MAIN_AGENT_JAVA=$AGENT_JAVA
  fi
  if has summit-agent; then
    # Its own repository and agent: the backups through it store what summit's store, no less.
    rm -rf "$SA_REPO"
    [ -f "$S_PASS" ] || { umask 077; echo 'bench-password' > "$S_PASS"; umask 022; chown postgres:postgres "$S_PASS"; }
    summit init --repo "$SA_REPO" "${SUMMIT_INIT_EXTRA[@]}" > "$LOGS/summit-agent-init.log" 2>&1 || { cat "$LOGS/summit-agent-init.log" >&2; return 1; }
    AGENT_ACCEPT=1 AGENT_REPO=$SA_REPO start_agent "$SA_AGENT" main "$LOGS/agent-summit-agent-run$run.log" "$SRC"
    SA_AGENT_PID=$AGENT_PID SA_AGENT_JAVA=$AGENT_JAVA
  fi
  if has pgbackrest; then
    write_pgbackrest_conf "$BR_CONF" "$BR_DIR"
    "${AS_PG[@]}" pgbackrest --config="$BR_CONF" --stanza=bench stanza-create > "$LOGS/pgbackrest-stanza.log" 2>&1 \
      || { cat "$LOGS/pgbackrest-stanza.log" >&2; return 1; }
  fi
  write_archive_script
  # (the comment: pgBackRest's backup refuses an archive_command that does not mention pgbackrest)
  sql "ALTER SYSTEM SET archive_command = '$WORK/archive.sh %p  # summit-dr pg wal-push, pgbackrest archive-push, cp'"
  sql "SELECT pg_reload_conf()" >/dev/null
  sleep 1

  echo "run $run/$RUNS: full backups" >&2
  declare -A FULL_BYTES
  for t in $TOOLS; do
    backup "$t" full "$run"
    FULL_BYTES[$t]=$(repo_bytes "$t")
    record "$t" full "$run" "${FULL_BYTES[$t]}" "${FULL_BYTES[$t]}" "" ""
  done

  echo "run $run/$RUNS: pgbench -c 4 -j 2 -T $PGBENCH_SECONDS" >&2
  local seg_first seg_last
  seg_first=$(sql "SELECT pg_walfile_name(pg_current_wal_lsn())")
  "${AS_PG[@]}" "$PG_BIN/pgbench" -c 4 -j 2 -T "$PGBENCH_SECONDS" -h "$SOCK" -p "$PORT" -U postgres postgres \
    > "$LOGS/pgbench-run$run.log" 2>&1 || { cat "$LOGS/pgbench-run$run.log" >&2; return 1; }
  local now; now=$(date +%s.%N)
  TARGET_ISO=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%S.%6NZ)      # summit-dr --target-time
  TARGET_PG=$(date -u -d "@$now" '+%Y-%m-%d %H:%M:%S.%6N+00')   # pgBackRest --target, recovery_target_time
  seg_last=$(sql "SELECT pg_walfile_name(pg_current_wal_lsn())")
  HISTORY=$(sql "SELECT count(*) FROM pgbench_history")
  TPS=$(awk '/^tps = / { printf "%.0f", $3; exit }' "$LOGS/pgbench-run$run.log")
  sleep 1.1   # the marker commits after the target, so that recovery has a commit past it to stop at
  sql "INSERT INTO bench_marker VALUES ('after the pgbench run')"
  local switched
  switched=$(sql "SELECT pg_walfile_name(pg_switch_wal())")
  for _ in $(seq 1 6000); do
    [ "$(sql "SELECT coalesce(last_archived_wal, '') >= '$switched' FROM pg_stat_archiver")" = t ] && break
    sleep 0.1
  done
  [ "$(sql "SELECT coalesce(last_archived_wal, '') >= '$switched' FROM pg_stat_archiver")" = t ] \
    || { echo "the WAL of the pgbench run was not archived within 10 minutes" >&2; sql "SELECT * FROM pg_stat_archiver" >&2; return 1; }
  declare -A WAL_BYTES
  for t in $TOOLS; do WAL_BYTES[$t]=$(( $(repo_bytes "$t") - FULL_BYTES[$t] )); done
  echo "  pgbench: $TPS tps, $HISTORY transactions, WAL $seg_first .. $seg_last; PITR target $TARGET_ISO" >&2
  PGBENCH_NOTES+=("run $run: $TPS tps, $HISTORY transactions in $PGBENCH_SECONDS s, WAL segments $seg_first to $seg_last")

  echo "run $run/$RUNS: second backups" >&2
  local after ck0
  for t in $TOOLS; do
    # Each tool's backup starts with a fast checkpoint; after the pgbench run the first one writes
    # every dirty buffer (0.7 s at scale 30, several seconds at 100) and the tools after it find
    # nothing to write. An untimed CHECKPOINT before each makes them pay the same.
    ck0=$(date +%s%N)
    sql "CHECKPOINT"
    echo "  checkpoint before $t's second backup: $(( ($(date +%s%N) - ck0) / 1000000 )) ms (not timed)" >&2
    backup "$t" second "$run"
    after=$(repo_bytes "$t")
    record "$t" second "$run" "$after" $((after - FULL_BYTES[$t])) "" "of which WAL archived since its full backup $((WAL_BYTES[$t] / 1000000)) MB"
  done

  echo "run $run/$RUNS: WAL push" >&2
  SEGMENTS=()
  local f
  for f in "$WAL_COPY"/*; do
    f=${f##*/}
    [[ $f =~ ^[0-9A-F]{24}$ ]] && [[ ! $f < $seg_first ]] && [[ $f < $seg_last ]] && SEGMENTS+=("$f")
  done
  SEGMENTS=("${SEGMENTS[@]:0:$WAL_PUSH_SEGMENTS}")
  [ ${#SEGMENTS[@]} -gt 0 ] || { echo "the pgbench run wrote no complete WAL segment: give more --pgbench-seconds" >&2; return 1; }
  "${AS_PG[@]}" mkdir -p "$WORK/walpush/segments"
  for f in "${SEGMENTS[@]}"; do "${AS_PG[@]}" ln "$WAL_COPY/$f" "$WORK/walpush/segments/"; done   # hard links: only read
  SEGMENTS=("${SEGMENTS[@]/#/$WORK/walpush/segments/}")
  walpush "$run"

  stop_server "$SRC"
  if has summit; then
    AGENT_HWM=$(awk '/^VmHWM/ { print $2 }' "/proc/$MAIN_AGENT_JAVA/status" 2>/dev/null || echo 0)
  fi

  echo "run $run/$RUNS: restore of the latest backup (source server stopped)" >&2
  for t in $TOOLS; do
    rm -rf "$RESTORED"
    restore_latest "$t" "$run"
    record "$t" restore "$run" "$(repo_bytes "$t")" 0 "" ""
    rm -rf "$RESTORED"
  done

  echo "run $run/$RUNS: PITR to the end of the pgbench run ($TARGET_ISO)" >&2
  write_pitr_script
  local got marker
  for t in $TOOLS; do
    rm -rf "$RESTORED" "$WORK/pitr-restored-at"
    pitr "$t" "$run"
    got=$(sql "SELECT count(*) FROM pgbench_history")
    marker=$(sql "SELECT count(*) FROM bench_marker")
    stop_server "$RESTORED"
    record "$t" pitr "$run" "$(repo_bytes "$t")" 0 "" "$PITR_DETAIL"
    if [ "$got" != "$HISTORY" ] || [ "$marker" != 0 ]; then
      echo "$t: PITR to $TARGET_ISO gave $got pgbench_history rows (expected $HISTORY) and $marker marker rows (expected 0)" >&2
      return 1
    fi
    rm -rf "$RESTORED"
  done
  if has summit; then
    local hwm_java
    hwm_java=$(awk '/^VmHWM/ { print $2 }' "/proc/$MAIN_AGENT_JAVA/status" 2>/dev/null || echo 0)
    AGENT_NOTES+=("run $run: peak RSS $(( (hwm_java > AGENT_HWM ? hwm_java : AGENT_HWM) / 1024 )) MiB, CPU $(awk '{ printf "%.1f", ($14 + $15) / '"$HZ"' }' "/proc/$MAIN_AGENT_JAVA/stat" 2>/dev/null) s over the run")
    stop_agent "$MAIN_AGENT_PID"
  fi
  if has summit-agent; then stop_agent "$SA_AGENT_PID"; fi
}

PGBENCH_NOTES=()
AGENT_NOTES=()
for run in $(seq 1 "$RUNS"); do one_run "$run"; done

# --- the tables ----------------------------------------------------------------------------------------
echo
echo "PostgreSQL: $PG_VERSION, pgbench -i -s $SCALE (initdb --data-checksums), pgbench -c 4 -j 2 -T $PGBENCH_SECONDS between the backups."
echo "Machine: $MACHINE. $(date -u +%F). Caches: $CACHE_MODE. Runs: $RUNS$([ "$RUNS" -gt 1 ] && echo ' (median, min–max)')."
for t in $TOOLS; do
  case $t in
    summit) echo "- summit: ${VERSION[summit]}, launcher defaults, WAL through the agent ($AGENT_JAVA_OPTS)" ;;
    summit-agent) echo "- summit-agent: the same, backup/restore/PITR run inside a resident agent ($AGENT_JAVA_OPTS) with --agent SOCKET" ;;
    pgbackrest) echo "- pgbackrest: ${VERSION[pgbackrest]}, process-max 2, compress-type zst, start-fast, cipher $PGBR_CIPHER; second backup incr" ;;
    pg_basebackup) echo "- pg_basebackup: ${VERSION[pg_basebackup]}, -X stream -c fast, plain; second backup full; PITR from a cp WAL archive" ;;
  esac
done
for n in "${PGBENCH_NOTES[@]}"; do echo "- pgbench $n"; done
for n in "${AGENT_NOTES[@]}"; do echo "- summit agent (cluster main, not in the rows) $n"; done
echo
awk -F'\t' -v tools="$TOOLS" -f <(cat "$ROOT/bench/lib/stats.awk" "$ROOT/bench/lib/pg-summary.awk") "$ROWS"
echo
echo "Raw rows appended to $RESULTS"
