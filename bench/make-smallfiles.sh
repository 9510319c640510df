#!/usr/bin/env bash
# Builds a small-file heavy tree (~650 MB, ~19k files, ~1.8k directories) for bench/file-backup.sh:
# an unpacked JDK with its API docs, /usr/share/doc, seeded random files and generated logs. It is
# the shape of issue 19's held-out tree, where per-file and per-directory costs dominate rather
# than hashing and compression. Not committed: built here, deterministic for the random part.
#
# Usage: bench/make-smallfiles.sh [DEST]   (default /tmp/bench-data/smallfiles; an existing DEST is removed)
# Installs openjdk-17-jdk-headless and openjdk-17-doc when missing (Debian packages).
# Then: TOOLS="summit-default restic" CACHE=warm BENCH_CHANGE_CMD="python3 bench/change-smallfiles.py" \
#         bench/file-backup.sh /tmp/bench-data/smallfiles 3
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
DEST=${1:-/tmp/bench-data/smallfiles}
JDK=/usr/lib/jvm/java-17-openjdk-amd64
DOCS=/usr/share/doc/openjdk-17-jre-headless/api

[ -d "$JDK/jmods" ] || need_packages openjdk-17-jdk-headless
[ -d "$DOCS" ] || need_packages openjdk-17-doc
need_commands python3:python3

rm -rf "$DEST"; mkdir -p "$DEST/share"
cp -a "$JDK" "$DEST/jdk"                       # keeps modes, mtimes and the JDK's symlinks
rm -rf "$DEST/jdk/jmods"                       # 78 MB of large files: not the shape wanted here
cp -a "$DOCS" "$DEST/jdk-docs"
(cd /usr/share && cp -a --parents doc "$DEST/share/")
rm -rf "$DEST/share/doc/openjdk-17-jre-headless"   # the API docs are already in jdk-docs
find "$DEST" ! -type f ! -type d ! -type l -delete

# Random data and logs: many directories of small files, a few larger ones, seeded.
python3 - "$DEST" <<'EOF'
import os, random, sys, datetime
root = sys.argv[1]
rnd = random.Random(19)
# random/: 40 directories x 3 levels of mostly small incompressible files (1 B – 64 KiB), a few of 1–4 MiB
for a in range(40):
    for b in range(4):
        d = os.path.join(root, "random", f"d{a:02}", f"s{b}")
        os.makedirs(d, exist_ok=True)
        for f in range(rnd.randint(10, 40)):
            size = rnd.randint(1, 4 << 20) if rnd.random() < 0.004 else int(rnd.paretovariate(1.2) * 1024) % (64 << 10) + 1
            with open(os.path.join(d, f"f{f:03}.bin"), "wb") as out:
                out.write(rnd.randbytes(size))
# logs/: per-service daily logs, text with repeated structure (compressible), 1 KiB – 2 MiB
levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
words = "request served user session cache miss hit retry timeout connection pool backend upstream".split()
start = datetime.datetime(2026, 1, 1)
for s in range(30):
    d = os.path.join(root, "logs", f"service-{s:02}")
    os.makedirs(d, exist_ok=True)
    for day in range(rnd.randint(5, 25)):
        lines = rnd.randint(10, 1500)
        t = start + datetime.timedelta(days=day)
        with open(os.path.join(d, f"{t:%Y-%m-%d}.log"), "w") as out:
            for i in range(lines):
                t += datetime.timedelta(milliseconds=rnd.randint(1, 9000))
                out.write(f"{t:%Y-%m-%dT%H:%M:%S.%f} {rnd.choice(levels):5} [{rnd.randint(1, 64):02}] "
                          f"{' '.join(rnd.choices(words, k=rnd.randint(3, 9)))} id={rnd.getrandbits(48):012x} ms={rnd.randint(0, 5000)}\n")
EOF
echo "files: $(find "$DEST" -type f | wc -l)  dirs: $(find "$DEST" -type d | wc -l)  symlinks: $(find "$DEST" -type l | wc -l)"
echo "bytes: $(du -sb --apparent-size "$DEST" | cut -f1)"
