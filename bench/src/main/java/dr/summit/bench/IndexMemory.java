package dr.summit.bench;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.index.BlobIndex;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.index.IndexFileCodec;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the in-memory blob index costs per chunk: loads N synthetic chunk ids, as a repository
 * loads them (index files of {@code perFile} entries, {@code perPack} chunks per pack), and
 * reports the heap the index retains per entry (measured after full GCs, so everything the
 * index holds is counted: records, prefix tables, pack table, object headers), its own account
 * of its arrays, the load time, and the lookup time.
 *
 * <p>Usage: java -cp summit-dr-benchmarks.jar dr.summit.bench.IndexMemory [N] [perFile] [perPack]
 * (defaults 10000000, 4096, 27: a 16 MiB pack holds about 27 chunks of the default 1 MiB average
 * that compress to 0.6 of their size).
 */
public final class IndexMemory {
    private IndexMemory() {
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int perFile = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int perPack = args.length > 2 ? Integer.parseInt(args[2]) : 27;
        long before = usedHeap();
        long t0 = System.nanoTime();
        BlobIndex index = new BlobIndex();
        Random random = new Random(1);
        byte[] pack = new byte[32];
        long made = 0;
        while (made < n) {
            int count = (int) Math.min(perFile, n - made);
            List<IndexEntry> file = new ArrayList<>(count);
            for (int i = 0; i < count; i++, made++) {
                if (made % perPack == 0) {
                    pack = new byte[32];
                    random.nextBytes(pack);
                }
                file.add(new IndexEntry(id(made), BlobType.DATA, pack, 1, (int) (made % perPack) * 620_000, 620_000));
            }
            index.addIndexFile(IndexFileCodec.decode(IndexFileCodec.encode(file), "index/synthetic"));
        }
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        long after = usedHeap();

        Random pick = new Random(2);
        int lookups = 2_000_000;
        long t1 = System.nanoTime();
        int found = 0;
        for (int i = 0; i < lookups; i++) {
            found += index.find(id(Math.floorMod(pick.nextLong(), n))) != null ? 1 : 0;
        }
        double lookupNanos = (System.nanoTime() - t1) / (double) lookups;
        if (found != lookups) {
            throw new IllegalStateException("lookups found " + found + " of " + lookups);
        }
        System.out.printf("entries\t%d%npacks\t%d%nrecord bytes/entry\t%d%nindex arrays bytes/entry\t%.2f%n"
                        + "retained heap bytes/entry\t%.2f%nload seconds\t%.1f%nlookup ns\t%.0f%n",
                index.size(), index.packCount(), BlobIndex.RECORD_BYTES, index.memoryBytes() / (double) n,
                (after - before) / (double) n, loadSeconds, lookupNanos);
        if (index.size() != n) {
            throw new IllegalStateException("index holds " + index.size() + " entries, expected " + n);
        }
    }

    /** Deterministic, uniformly spread ids: SplitMix64 of the entry number. */
    private static BlobId id(long number) {
        byte[] b = new byte[32];
        long x = number;
        for (int word = 0; word < 4; word++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            for (int k = 0; k < 8; k++) {
                b[word * 8 + k] = (byte) (z >>> (56 - 8 * k));
            }
        }
        return BlobId.of(b);
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
