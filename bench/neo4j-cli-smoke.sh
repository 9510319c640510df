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
# Offline: neo4j-admin import into a stopped home (its neo4j-admin: the real entry point on the test
# class path), a server started on it, then the printed command replays the changes over Bolt.
home="$WORK/offline-home"; mkdir -p "$home/bin" "$home/conf" "$WORK/offline"
printf '#!/bin/sh\nexec java -Xmx512m -cp "%s" org.neo4j.cli.AdminTool "$@"\n' \
  "$root/neo4j/target/test-classes:$root/neo4j/target/classes:$(cat "$WORK/cp")" > "$home/bin/neo4j-admin"
chmod +x "$home/bin/neo4j-admin"
s neo4j restore latest --neo4j-home "$home" --until-tx "$fulltx" | tee "$WORK/offline.out"
java -cp "$root/neo4j/target/test-classes:$root/neo4j/target/classes:$(cat "$WORK/cp")" dr.summit.neo4j.HarnessServer "$WORK/offline" "$home" \
  >"$WORK/offline-server.log" 2>&1 &
offline=$!
trap 'kill $server $offline 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do [ -f "$WORK/offline/uri" ] && break; sleep 1; done
next=$(grep '^  summit-dr neo4j restore ' "$WORK/offline.out" | sed "s#bolt://HOST:7687#$(cat "$WORK/offline/uri")#; s#^  summit-dr ##")
# shellcheck disable=SC2086
s $next
echo "smoke: OK"
