#!/usr/bin/env bash
# Neo4j backup benchmark (issue 16): on a generated graph of N nodes and 2N relationships in a
# real Neo4j 5.26 (neo4j-harness, in process, plugin loaded from a plugins directory):
#   full-backup            online full (barrier, export streamed through the chunker, replay window)
#   full-backup-unchanged  a second full of the same graph: what deduplication leaves
#   incremental            after CHANGES changed nodes (default 10k): time, bytes added, repository growth
#   restore                full + incremental over Bolt into a second, empty server; digest checked
#   offline-dump           org.neo4j.dbms.archive.Dumper, the engine of `neo4j-admin database dump`,
#                          on the stopped database (zstd), same run, same machine
# Usage: bench/neo4j-backup.sh [NODES] [CHANGES]     (issue target: NODES=1000000)
# Rows (time, step, what, millis, bytes added, repository/dump bytes) are appended to
# bench/results/neo4j-backup.tsv and printed. Runs through Maven (the harness is a test-scope
# dependency) under the shared build lock. BENCH_KEEP=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${1:-1000000}
CHANGES=${2:-10000}
WORK=${BENCH_WORK:-/tmp/summit-bench/neo4j}
mkdir -p "$WORK" bench/results
flock /tmp/summit-build.lock mvn -B -q -o -pl neo4j -am test -Dtest=Neo4jBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dsummit.bench.neo4j.nodes="$NODES" -Dsummit.bench.neo4j.changes="$CHANGES" -Dsummit.bench.neo4j.work="$WORK" \
  -Dsummit.bench.neo4j.results="$PWD/bench/results/neo4j-backup.tsv" -Dneo4j.test.heap="-Xmx${BENCH_HEAP:-3g}" \
  -DtrimStackTrace=false
echo "rows appended to bench/results/neo4j-backup.tsv"
