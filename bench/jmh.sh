#!/usr/bin/env bash
# JMH stage benchmarks (module bench/): chunking, blob ids (HMAC-SHA256), compression (zstd-3,
# lz4), AES-256-GCM, and the whole per-chunk pipeline of a backup worker, each on one core over the
# same 64 MiB of seeded mixed data (half random, half log-like text). Prints MB/s per benchmark
# next to this machine's per-core limits from shared/bench/primitives.sh, measured on the same
# bytes, then appends rows to a results file.
#
# Usage: bench/jmh.sh [--quick] [REGEX]
#   REGEX    JMH benchmark filter (default: all), e.g. Pipeline or 'Compression.*encode'
#   --quick  1 fork, 1 warmup and 1 measurement iteration of 1 s: checks that it runs; the numbers
#            are not worth keeping (the AES-GCM and zstd paths are not fully compiled after 1 s)
# Default settings: 1 fork, 3 warmup iterations of 2 s, 5 measurement iterations of 2 s (about
# 4 minutes for all 11). Override with JMH_FORKS, JMH_WARMUP, JMH_WARMUP_TIME, JMH_ITERATIONS,
# JMH_TIME (seconds), or pass anything else to JMH with JMH_ARGS.
# Environment:
#   PIN_CPU        core the benchmark JVMs run on (taskset; default 0, as primitives.sh); none = unpinned
#   PRIMITIVES     1 (default) runs primitives.sh; 0 skips it
#   PRIMITIVES_MIB size of the input file for primitives.sh (default 256; the first 64 MiB are the
#                  JMH input); PRIMITIVES_RUNS its repetitions (default 3, 1 with --quick)
#   BENCH_DATASET  where primitives.sh is (its parent; default ../shared/bench/dataset)
#   RESULTS        TSV file rows are appended to (default bench/results/jmh.tsv)
#   JMH_NO_BUILD=1 use bench/target/summit-dr-benchmarks.jar as it is
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

QUICK=0
FILTER=
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) FILTER=$a ;;
  esac
done
if [ $QUICK = 1 ]; then
  : "${JMH_FORKS:=1}" "${JMH_WARMUP:=1}" "${JMH_WARMUP_TIME:=1}" "${JMH_ITERATIONS:=1}" "${JMH_TIME:=1}" "${PRIMITIVES_RUNS:=1}"
fi
FORKS=${JMH_FORKS:-1} WARMUP=${JMH_WARMUP:-3} WARMUP_TIME=${JMH_WARMUP_TIME:-2}
ITERATIONS=${JMH_ITERATIONS:-5} TIME=${JMH_TIME:-2}
PIN=${PIN_CPU:-0}
PRIMITIVES=${PRIMITIVES:-1}
PRIMITIVES_MIB=${PRIMITIVES_MIB:-256}
PRIMITIVES_RUNS=${PRIMITIVES_RUNS:-3}
PRIMITIVES_SH=${BENCH_DATASET:-$ROOT/../shared/bench/dataset}/../primitives.sh
RESULTS=${RESULTS:-$ROOT/bench/results/jmh.tsv}
WORK=$(mktemp -d /tmp/summit-jmh.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
JAR=$ROOT/bench/target/summit-dr-benchmarks.jar

needs=(python3:python3)
[ "$PIN" = none ] || needs+=(taskset:util-linux)
[ "$PRIMITIVES" = 0 ] || needs+=(zstd:zstd lz4:lz4 openssl:openssl sha256sum:coreutils)
need_commands "${needs[@]}"

if [ "${JMH_NO_BUILD:-0}" != 1 ]; then
  echo "building $JAR" >&2
  (cd "$ROOT" && { mvn -B -q -o -pl bench -am package -DskipTests >"$WORK/build.log" 2>&1 \
    || mvn -B -q -pl bench -am package -DskipTests >"$WORK/build.log" 2>&1; }) \
    || { cat "$WORK/build.log" >&2; exit 1; }
fi
pin=()
[ "$PIN" = none ] || pin=(taskset -c "$PIN")

echo "running JMH: forks $FORKS, warmup ${WARMUP}×${WARMUP_TIME}s, measurement ${ITERATIONS}×${TIME}s, cpu ${PIN}" >&2
"${pin[@]}" java -jar "$JAR" ${FILTER:+"$FILTER"} -f "$FORKS" -wi "$WARMUP" -w "${WARMUP_TIME}s" \
  -i "$ITERATIONS" -r "${TIME}s" -rf json -rff "$WORK/jmh.json" ${JMH_ARGS:-} > "$WORK/jmh.log" 2>&1 \
  || { tail -n 40 "$WORK/jmh.log" >&2; exit 1; }
grep -E '^(Benchmark|[A-Z][A-Za-z]+Benchmark\.)' "$WORK/jmh.log" >&2 || true

: > "$WORK/primitives.md"
if [ "$PRIMITIVES" != 0 ]; then
  echo "running primitives.sh on ${PRIMITIVES_MIB} MiB of the same mixed data" >&2
  java -cp "$JAR" dr.summit.bench.MixedData "$WORK/mixed.bin" "$PRIMITIVES_MIB"
  bash "$PRIMITIVES_SH" "$WORK/mixed.bin" "$PRIMITIVES_RUNS" > "$WORK/primitives.md" 2>"$WORK/primitives.err" \
    || { cat "$WORK/primitives.err" >&2; echo "primitives.sh failed; reference column left empty" >&2; : > "$WORK/primitives.md"; }
  rm -f "$WORK/mixed.bin"
fi

MACHINE=$(machine_label)
python3 - "$WORK/jmh.json" "$WORK/primitives.md" "$RESULTS" "$MACHINE" "$PIN" \
  "forks $FORKS, warmup ${WARMUP}x${WARMUP_TIME}s, measurement ${ITERATIONS}x${TIME}s" <<'PY'
import json, math, os, re, sys, time
jmh_file, prim_file, results, machine, pin, settings = sys.argv[1:7]
prim = {}
for line in open(prim_file):
    m = re.match(r"\|\s*([^|]+?)\s*\|\s*([0-9.]+)", line)
    if m:
        prim[m.group(1)] = float(m.group(2))
aes = next((v for k, v in prim.items() if k.startswith("openssl speed aes-256-gcm")), None)
sha = prim.get("openssl sha256")
def series(*rates):  # stages one after another on one core: times add up
    return None if any(r is None for r in rates) else 1 / sum(1 / r for r in rates)
reference = {
    ("ChunkerBenchmark.chunkStream", ""): ("cat (page cache read)", prim.get("cat (page cache read)")),
    ("ChunkerBenchmark.findBoundary", ""): ("cat (page cache read)", prim.get("cat (page cache read)")),
    ("HashBenchmark.blobId", ""): ("openssl sha256", sha),
    ("CompressionBenchmark.encode", "zstd-3"): ("zstd -3 compress", prim.get("zstd -3 compress")),
    ("CompressionBenchmark.encode", "lz4"): ("lz4 -1 compress", prim.get("lz4 -1 compress")),
    ("CompressionBenchmark.decode", "zstd-3"): ("zstd -d", prim.get("zstd -d")),
    ("CompressionBenchmark.decode", "lz4"): ("lz4 -d", prim.get("lz4 -d")),
    ("EncryptionBenchmark.seal", ""): ("openssl speed aes-256-gcm", aes),
    ("EncryptionBenchmark.open", ""): ("openssl speed aes-256-gcm", aes),
    ("PipelineBenchmark.backup", "zstd-3"): ("sha256 + zstd -3 + aes-gcm in series",
                                             series(sha, prim.get("zstd -3 compress"), aes)),
    ("PipelineBenchmark.backup", "lz4"): ("sha256 + lz4 -1 + aes-gcm in series",
                                          series(sha, prim.get("lz4 -1 compress"), aes)),
}
rows = []
for r in json.load(open(jmh_file)):
    name = ".".join(r["benchmark"].split(".")[-2:])
    params = r.get("params", {})
    codec = params.get("codec", "")
    size = int(params.get("sizeMiB", "64")) * 1048576
    m = r["primaryMetric"]
    unit = m["scoreUnit"]
    if unit != "ops/s":
        raise SystemExit(f"{name}: unexpected unit {unit}")
    mbs = m["score"] * size / 1e6
    err = m.get("scoreError")
    err = None if err is None or (isinstance(err, float) and math.isnan(err)) or err == "NaN" else float(err) * size / 1e6
    ref_name, ref = reference.get((name, codec), ("", None))
    rows.append((name, codec, mbs, err, ref_name, ref))
print(f"JMH, one thread{'' if pin == 'none' else ' pinned to cpu ' + pin}; {settings}. Machine: {machine}. "
      f"{time.strftime('%Y-%m-%d', time.gmtime())}. Input: 64 MiB, half random, half log-like text, 1 MiB average chunks.")
print("Reference: shared/bench/primitives.sh on one core, on the same generator's data (the JMH input is its first 64 MiB).")
print()
print("| benchmark | codec | MB/s | ± (99.9 %) | reference limit | MB/s | of the limit |")
print("|---|---|---|---|---|---|---|")
for name, codec, mbs, err, ref_name, ref in rows:
    print(f"| {name} | {codec or '–'} | {mbs:.0f} | {'–' if err is None else f'{err:.0f}'} | {ref_name or '–'} | "
          f"{'–' if ref is None else f'{ref:.0f}'} | {'–' if not ref else f'{100 * mbs / ref:.0f} %'} |")
new = not os.path.exists(results) or os.path.getsize(results) == 0
os.makedirs(os.path.dirname(os.path.abspath(results)), exist_ok=True)
with open(results, "a") as f:
    if new:
        f.write("date\tmachine\tsettings\tbenchmark\tcodec\tmb_s\terror_mb_s\treference\treference_mb_s\n")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for name, codec, mbs, err, ref_name, ref in rows:
        f.write(f"{stamp}\t{machine}\t{settings}\t{name}\t{codec}\t{mbs:.1f}\t{'' if err is None else f'{err:.1f}'}"
                f"\t{ref_name}\t{'' if ref is None else f'{ref:.1f}'}\n")
PY
if [ -s "$WORK/primitives.md" ]; then
  echo
  echo "primitives.sh, ${PRIMITIVES_MIB} MiB of the mixed data, ${PRIMITIVES_RUNS} run(s):"
  echo
  cat "$WORK/primitives.md"
fi
echo
echo "Rows appended to $RESULTS"
