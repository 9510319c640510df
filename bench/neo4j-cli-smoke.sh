#!/usr/bin/env bash
# End to end through the real launcher against a real Neo4j 5.26 (the harness with the plugin from
# a plugins directory, in its own JVM): plugin, backup (full, unchanged), the demo's Neo4j round
# trip, backup (incremental), list, verify, restore --until-tx --force with the digest check.
# Usage: bench/neo4j-cli-smoke.sh        (work directory $BENCH_WORK, default /tmp/summit-bench/neo4j-cli)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WORK=${BENCH_WORK:-/tmp/summit-bench/neo4j-cli}
rm -rf "$WORK"; mkdir -p "$WORK"
flock /tmp/summit-build.lock mvn -B -q -o -pl cli -am -DskipTests package
flock /tmp/summit-build.lock mvn -B -q -o -pl neo4j -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$WORK/cp" -Dmdep.includeScope=test >/dev/null
java -cp "$root/neo4j/target/test-classes:$root/neo4j/target/classes:$(cat "$WORK/cp")" dr.summit.neo4j.HarnessServer "$WORK" \
  >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do [ -f "$WORK/uri" ] && break; sleep 1; done
uri=$(cat "$WORK/uri")
echo "server: $uri"
export SUMMIT_REPOSITORY="$WORK/repo" SUMMIT_PASSWORD_FILE="$WORK/pw"
printf 'smoke\n' > "$WORK/pw"; chmod 600 "$WORK/pw"
s() { echo "+ summit-dr $*"; "$root/summit-dr" "$@"; }
s init --kdf-memory-kib 64 --kdf-iterations 1 >/dev/null
s neo4j plugin --output "$WORK/plugins-written"
s neo4j backup --uri "$uri"
s neo4j backup --uri "$uri"
s demo --dir "$WORK/demo" --size-mib 2 --no-postgres --neo4j-uri "$uri" | grep -E '^1[0-2]\.|Demo'
s neo4j backup --uri "$uri" --json
s neo4j list
s neo4j verify
fulltx=$(s neo4j list --json | sed -n '/"type" : "full"/,/toTx/p' | grep -o '"toTx" : [0-9]*' | head -1 | grep -o '[0-9]*$')
s neo4j restore latest --uri "$uri" --until-tx "$fulltx" || echo "(exit $?: refused, the database is not empty)"
s neo4j restore latest --uri "$uri" --until-tx "$fulltx" --force
s neo4j restore latest --uri "$uri" --until-tx 1 || echo "(exit $? expected: outside the window)"
s neo4j restore latest --uri "$uri" --force
echo "smoke: OK"
