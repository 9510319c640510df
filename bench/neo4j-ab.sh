#!/usr/bin/env bash
# A/B of the Neo4j backup benchmark in one lock session (issue 16, "Neo4j first full"): runs
# bench/neo4j-backup.sh once per argument, in the order given ("before after" or "after before").
# "before" checks out BEFORE's plugin code (neo4j-plugin/src/main, and Neo4jBackupTest, which may
# name plugin classes) for its run, "after" is the checkout as it is; the checkout is restored to
# HEAD after every run, so commit first (uncommitted plugin or test edits are lost). A header line
# "# nfull A/B <arm> (...)" precedes each run's rows in bench/results/neo4j-backup.tsv.
# Usage: BEFORE=<commit> flock /tmp/summit-build.lock bench/neo4j-ab.sh before after
set -uo pipefail
cd "$(dirname "$0")/.."
BEFORE=${BEFORE:?give BEFORE=<commit> (the code of the "before" arm)}
for arm in "$@"; do
  if [ "$arm" = before ]; then
    # files the "before" code does not have would not compile against it
    git diff --name-only --diff-filter=A "$BEFORE" HEAD -- neo4j-plugin/src/main neo4j/src/test | xargs -r rm -f
    git checkout -q "$BEFORE" -- neo4j-plugin/src/main neo4j/src/test/java/dr/summit/neo4j/Neo4jBackupTest.java
    rm -rf neo4j-plugin/target/classes/dr/summit/neo4j/plugin
  fi
  printf '# nfull A/B %s (%s)\n' "$arm" "$([ "$arm" = before ] && echo "plugin code $BEFORE" || echo "$(git rev-parse --short HEAD)")" >> bench/results/neo4j-backup.tsv
  BENCH_SKIP_RESTORE=1 SUMMIT_LOCK_HELD=1 BENCH_HEAP=${BENCH_HEAP:-3g} bash bench/neo4j-backup.sh "${NODES:-1000000}"
  git checkout -q HEAD -- neo4j-plugin neo4j/src/test
done
