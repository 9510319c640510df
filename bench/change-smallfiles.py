#!/usr/bin/env python3
"""A day of changes on the tree of bench/make-smallfiles.sh, for bench/file-backup.sh's changed step.

Usage: change-smallfiles.py SRC DEST   (BENCH_CHANGE_CMD="python3 bench/change-smallfiles.py")
DEST = copy of SRC (cp -a), then with a fixed seed over the sorted file list: ~2.5% of regular
files modified (a line inserted, or 4 KiB overwritten), ~1.5% deleted, ~1.5% new small files
in new directories, and every tenth log under logs/ grown by ~64 KiB. (The shared
make-changed.py expects the mixed data set's gen/ files, which this tree does not have.)
"""
import os, random, shutil, subprocess, sys

T2 = 1706745600  # 2024-02-01: changed and added files get this mtime


def main(src, dest):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    subprocess.run(["cp", "-a", src, dest], check=True)
    files = []
    for root, dirs, names in os.walk(dest):
        dirs.sort()
        for name in sorted(names):
            p = os.path.join(root, name)
            if os.path.isfile(p) and not os.path.islink(p) and "/logs/" not in p:
                files.append(p)
    rng = random.Random(4242)
    n = len(files)
    picks = rng.sample(range(n), int(n * 0.04))
    modified, deleted = picks[: int(n * 0.025)], picks[int(n * 0.025):]
    for i in modified:
        p = files[i]
        st = os.stat(p)
        with open(p, "r+b") as f:
            data = f.read()
            if data and data[:512].count(0) == 0:
                mid = data.find(b"\n", len(data) // 2) + 1
                data = data[:mid] + b"# changed by change-smallfiles.py " + str(i).encode() + b"\n" + data[mid:]
                f.seek(0); f.write(data); f.truncate()
            else:
                f.seek(rng.randrange(max(1, len(data) - 4096))); f.write(rng.randbytes(min(4096, max(1, len(data)))))
        os.chmod(p, st.st_mode)
        os.utime(p, (T2, T2))
    for i in deleted:
        os.remove(files[i])
    for k in range(int(n * 0.015)):
        d = os.path.join(dest, "new", f"d{k % 20:02d}")
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, f"n{k:05d}.txt")
        with open(p, "w") as f:
            f.write("".join(f"line {k} {j} {rng.getrandbits(64):016x}\n" for j in range(rng.randint(1, 800))))
        os.utime(p, (T2, T2))
    logs = sorted(os.path.join(r, x) for r, _, names in os.walk(os.path.join(dest, "logs")) for x in names)
    for p in logs[::10]:
        with open(p, "a") as f:
            f.write("".join(f"2026-02-01T00:00:{j % 60:02}.000000 INFO  appended line {j} {rng.getrandbits(48):012x}\n"
                            for j in range(1000)))
        os.utime(p, (T2, T2))
    print(f"files considered {n}: modified {len(modified)}, deleted {len(deleted)}, added {int(n * 0.015)}, "
          f"logs grown {len(logs[::10])}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
