#!/usr/bin/env bash
# What the plugin's change capture costs writers (issue 16), each configuration in its OWN JVM (two
# servers in one JVM warmed each other: the second always won). Per JVM: a fresh real Neo4j 5.26
# (harness, in process), with or without the plugin (from a plugins directory, capturing every
# change); small write transactions (single-node CREATE or SET, WRITERS concurrent threads, embedded
# API, each commit forced to Neo4j's transaction log): SECONDS of warm-up, then PERIODS periods of
# SECONDS measured; then a bulk load of BULK nodes and BULK relationships in transactions of 10,000.
# ROUNDS rounds; the order of the two JVMs alternates between rounds (without/with, with/without, …).
# Usage: bench/neo4j-capture-cost.sh [WRITERS] [SECONDS] [ROUNDS] [BULK]     (defaults 8 10 2 200000)
# Columns: time, server, round, load, what, count, per second. Rows are appended to
# bench/results/neo4j-capture-cost.tsv. Run under the build lock with SUMMIT_LOCK_HELD=1, as
# bench/neo4j-backup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WRITERS=${1:-8}
SECONDS_EACH=${2:-10}
ROUNDS=${3:-2}
BULK=${4:-200000}
PERIODS=${BENCH_PERIODS:-3}
WORK=${BENCH_WORK:-/tmp/summit-bench/neo4j}
mkdir -p "$WORK" bench/results
[ -s bench/results/neo4j-capture-cost.tsv ] || printf 'time\tserver\tround\tload\twhat\tcount\tper_s\n' > bench/results/neo4j-capture-cost.tsv
lock() { if [ -n "${SUMMIT_LOCK_HELD:-}" ]; then "$@"; else flock /tmp/summit-build.lock "$@"; fi; }
lock mvn -B -q -o -pl neo4j -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=test >/dev/null
echo "# $(nproc) cores, $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo +changes), one JVM per configuration, writers=$WRITERS seconds=$SECONDS_EACH periods=$PERIODS rounds=$ROUNDS bulk=$BULK" \
  >> bench/results/neo4j-capture-cost.tsv
for round in $(seq 0 $((ROUNDS - 1))); do
  if [ $((round % 2)) -eq 0 ]; then order="false true"; else order="true false"; fi
  for plugin in $order; do
    java -Xmx"${BENCH_HEAP:-2g}" --add-opens java.base/sun.nio.fs=ALL-UNNAMED \
      -cp "$root/neo4j/target/test-classes:$root/neo4j/target/classes:$(cat "$WORK/cp")" \
      -Dsummit.bench.capture.plugin="$plugin" -Dsummit.bench.capture.round="$round" \
      -Dsummit.bench.capture.writers="$WRITERS" -Dsummit.bench.capture.seconds="$SECONDS_EACH" \
      -Dsummit.bench.capture.periods="$PERIODS" -Dsummit.bench.capture.bulk="$BULK" \
      -Dsummit.bench.neo4j.work="$WORK" -Dsummit.bench.neo4j.results="$root/bench/results/neo4j-capture-cost.tsv" \
      dr.summit.neo4j.Neo4jCaptureCostBench
  done
done
echo "rows appended to bench/results/neo4j-capture-cost.tsv"
