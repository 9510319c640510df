#!/usr/bin/env python3
"""Builds the data of bench/scaling.sh: PARTS directories part-0 … part-(PARTS-1) of 1 GiB each.

Usage: bench/make-scaling-tree.py DIR PARTS [SEED]

Each part is a tree of files whose sizes follow a log-normal law (median 8 KiB, a few up to
256 MiB: about 5,000 files per GiB, 40 per directory, two directory levels), so a backup of one
part has many small files and most bytes in large ones, as a real file server does. Contents:
40 % of the files are incompressible (AES-CTR keystream), 60 % base64 text of such a stream, which
zstd compresses to about 0.75 and no chunk of which repeats: sizes and contents differ between
parts (each part has its own seed), so backing up N parts stores N times one part's data and the
measured growth is the tool's, not deduplication's. Deterministic for a seed; a part that is
already complete (its .done marker) is kept, so the data is built once for several runs.
"""
import hashlib
import math
import os
import random
import subprocess
import sys

GIB = 1 << 30
MAX_FILE = 256 << 20
FILES_PER_DIR = 40


def keystream(seed: str, base64: bool):
    """An endless deterministic byte stream from openssl (fast: ~1 GB/s), text or binary."""
    key = hashlib.sha256(seed.encode()).hexdigest()[:32]
    cmd = f"openssl enc -aes-128-ctr -K {key} -iv {'0' * 32} -nosalt -in /dev/zero 2>/dev/null"
    if base64:
        cmd += " | openssl base64 2>/dev/null"
    return subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.PIPE, bufsize=1 << 20)


def copy(src, path: str, size: int):
    with open(path, "wb") as out:
        left = size
        while left > 0:
            block = src.stdout.read(min(left, 1 << 20))
            out.write(block)
            left -= len(block)


def make_part(root: str, index: int, seed: int) -> None:
    part = os.path.join(root, f"part-{index}")
    if os.path.exists(os.path.join(root, f".part-{index}.done")):
        return
    subprocess.run(["rm", "-rf", part], check=True)
    rnd = random.Random(f"{seed}-{index}")
    binary = keystream(f"{seed}-{index}-bin", False)
    text = keystream(f"{seed}-{index}-txt", True)
    total, n = 0, 0
    try:
        while total < GIB:
            size = min(MAX_FILE, GIB - total, max(1, int(math.exp(rnd.gauss(math.log(8192), 2.5)))))
            d = os.path.join(part, f"d{n // (FILES_PER_DIR * FILES_PER_DIR):03d}", f"e{n // FILES_PER_DIR % FILES_PER_DIR:02d}")
            if n % FILES_PER_DIR == 0:
                os.makedirs(d, exist_ok=True)
            is_text = rnd.random() < 0.6
            copy(text if is_text else binary, os.path.join(d, f"f{n:06d}.{'log' if is_text else 'bin'}"), size)
            total += size
            n += 1
    finally:
        binary.kill()
        text.kill()
    open(os.path.join(root, f".part-{index}.done"), "w").write(f"{n} files {total} bytes\n")


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    root, parts = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) == 4 else 1
    os.makedirs(root, exist_ok=True)
    for i in range(parts):
        make_part(root, i, seed)


if __name__ == "__main__":
    main()
