#!/usr/bin/env bash
# Neo4j backup benchmark (issue 16): on a generated graph of N nodes and 2N relationships in a
# real Neo4j 5.26 (neo4j-harness, in process, plugin loaded from a plugins directory):
#   generate               the graph (Cypher, batched), not a measurement of ours
#   full-backup            online full (barrier, export streamed through the chunker, replay window, digest)
#   full-backup-unchanged  a second full of the same graph: what deduplication leaves
#   incremental            after CHANGES changed nodes (default 10k): time, bytes added, repository growth
#   restore                full + incremental over Bolt into a second, empty server; digest checked
#   offline-dump           org.neo4j.dbms.archive.Dumper, the engine of `neo4j-admin database dump`,
#                          on the stopped database (zstd), same run, same JVM
# Usage: bench/neo4j-backup.sh [NODES] [CHANGES]     (issue target: NODES=1000000)
# Columns: time, step, what, millis, bytes added (uncompressed, new to the repository), repository
# bytes after the step (incremental: growth; dump: dump size). Rows are appended to
# bench/results/neo4j-backup.tsv. Builds under the shared build lock, measures outside it.
# BENCH_HEAP (default 3g) is the JVM heap (server + agent share it); BENCH_KEEP=1 keeps the work directory.
# For profiling: BENCH_JAVA_OPTS (e.g. -XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile) is
# added to the JVM's options; BENCH_SKIP_RESTORE=1 leaves out both restores (Bolt and offline, 3 minutes at 1M nodes); BENCH_JFR=FILE
# records a JFR profile of the first full backup alone into FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
NODES=${1:-1000000}
CHANGES=${2:-10000}
WORK=${BENCH_WORK:-/tmp/summit-bench/neo4j}
mkdir -p "$WORK" bench/results
[ -s bench/results/neo4j-backup.tsv ] || printf 'time\tstep\twhat\tmillis\tbytes_added\trepo_or_dump_bytes\n' > bench/results/neo4j-backup.tsv
# Run under the build lock (SUMMIT_LOCK_HELD=1 flock /tmp/summit-build.lock bench/neo4j-backup.sh …), the
# build step must not take the lock again (flock would wait for ever on the one our parent holds).
lock() { if [ -n "${SUMMIT_LOCK_HELD:-}" ]; then "$@"; else flock /tmp/summit-build.lock "$@"; fi; }
lock mvn -B -q -o -pl neo4j -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=test >/dev/null
echo "# $(nproc) cores, $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes), nodes=$NODES changes=$CHANGES${BENCH_JFR:+, JFR profile}${BENCH_JAVA_OPTS:+, $BENCH_JAVA_OPTS}" >> bench/results/neo4j-backup.tsv
# shellcheck disable=SC2086  # BENCH_JAVA_OPTS is a list of options
java -Xmx"${BENCH_HEAP:-3g}" ${BENCH_JAVA_OPTS:-} --add-opens java.base/sun.nio.fs=ALL-UNNAMED \
  -cp "$root/neo4j/target/test-classes:$root/neo4j/target/classes:$(cat "$WORK/cp")" \
  -Dsummit.bench.neo4j.nodes="$NODES" -Dsummit.bench.neo4j.changes="$CHANGES" -Dsummit.bench.neo4j.work="$WORK" -Dsummit.bench.neo4j.skipRestore="${BENCH_SKIP_RESTORE:-0}" \
  -Dsummit.bench.neo4j.jfr="${BENCH_JFR:-}" \
  -Dsummit.bench.neo4j.results="$root/bench/results/neo4j-backup.tsv" dr.summit.neo4j.Neo4jBenchMain
echo "rows appended to bench/results/neo4j-backup.tsv"
