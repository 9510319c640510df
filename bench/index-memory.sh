#!/usr/bin/env bash
# In-memory index cost per chunk: loads N synthetic chunk ids (default 10,000,000) as a repository
# loads them — index files of 4096 entries, 27 chunks per pack — and prints the record size, the
# index's arrays and the retained heap per entry, the load time and the lookup time; peak RSS from
# GNU time. Appends the rows to bench/results/index-memory.tsv.
#
# Usage: bench/index-memory.sh [N] [ENTRIES_PER_FILE] [CHUNKS_PER_PACK]
# Environment: JMH_NO_BUILD=1 uses bench/target/summit-dr-benchmarks.jar as it is; HEAP (default 3g).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
need_commands /usr/bin/time:time
JAR=$ROOT/bench/target/summit-dr-benchmarks.jar
if [ "${JMH_NO_BUILD:-0}" != 1 ] || [ ! -f "$JAR" ]; then
  (cd "$ROOT" && { mvn -B -q -o -pl bench -am package -DskipTests >/dev/null 2>&1 || mvn -B -q -pl bench -am package -DskipTests; })
fi
out=$(mktemp)
/usr/bin/time -f "peak RSS KiB	%M" -o "$out.time" java -Xmx"${HEAP:-3g}" -cp "$JAR" dr.summit.bench.IndexMemory "$@" | tee "$out"
cat "$out.time"
results=${RESULTS:-$ROOT/bench/results/index-memory.tsv}
{
  stamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)	$(machine_label)"
  while IFS= read -r line; do printf '%s\t%s\n' "$stamp" "$line"; done < <(cat "$out" "$out.time")
} >> "$results"
rm -f "$out" "$out.time"
