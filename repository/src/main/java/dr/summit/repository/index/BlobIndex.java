package dr.summit.repository.index;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * In-memory blob index: sorted runs of fixed-size {@value #RECORD_BYTES}-byte records in plain
 * byte arrays — no Java object per entry — searched by binary search.
 *
 * <p>Why a record is 40 bytes and not 45: the first two bytes of the 32-byte id are not stored —
 * each run keeps, per two-byte prefix, where that prefix's records start (256 KiB per run, nothing
 * per entry); the pack is a 24-bit ordinal into a pack table; type, offset and length are packed
 * into 7 bytes (offsets below 256 MiB, lengths below 32 MiB: packs are at most 128 MiB and blobs
 * at most 16 MiB plus overhead). Record: {@code idSuffix[30] pack u24 (0 u1 type u2 offset u28 length u25)}, big-endian.
 *
 * <p>Runs are merged like a binary counter — a run is merged with the one before it while that
 * one is at most twice its size — so there are at most log2(n) runs and adding n entries in
 * batches costs O(n log n), however many index files they come from. Thread-safe: readers see an
 * immutable list of runs; writers are serialised.
 */
public final class BlobIndex {
    public static final int RECORD_BYTES = 40;
    static final long MAX_OFFSET = (1L << 28) - 1;
    static final long MAX_LENGTH = (1L << 25) - 1;
    private static final int SUFFIX = BlobId.BYTES - 2;
    private static final int BUCKETS = 1 << 16;
    private static final int MAX_PACKS = 1 << 24;

    private final PackTable packs = new PackTable();
    private volatile List<Run> runs = List.of();

    /** Records sorted by id, and for every two-byte id prefix the index of its first record. */
    private record Run(byte[] records, int[] starts) {
        int count() {
            return records.length / RECORD_BYTES;
        }
    }

    /** Appends records in id order and builds the prefix table as it goes. */
    private static final class RunBuilder {
        final byte[] records;
        final int[] starts = new int[BUCKETS + 1];
        int count;
        int nextBucket;

        RunBuilder(int capacity) {
            records = new byte[capacity * RECORD_BYTES];
        }

        /** The record at {@code at} of {@code src}, whose id prefix is {@code prefix}. */
        void copy(int prefix, byte[] src, int at) {
            open(prefix);
            System.arraycopy(src, at, records, count * RECORD_BYTES, RECORD_BYTES);
            count++;
        }

        /** A new record for the id at {@code at} of {@code id}, which must not sort before the last one. */
        void append(byte[] id, int at, int pack, int type, long offset, long length) {
            int to = open(prefix(id, at));
            System.arraycopy(id, at + 2, records, to, SUFFIX);
            writeLocation(records, to, pack, type, offset, length);
            count++;
        }

        int open(int prefix) {
            while (nextBucket <= prefix) {
                starts[nextBucket++] = count;
            }
            return count * RECORD_BYTES;
        }

        Run finish() {
            while (nextBucket <= BUCKETS) {
                starts[nextBucket++] = count;
            }
            return new Run(count * RECORD_BYTES == records.length ? records : Arrays.copyOf(records, count * RECORD_BYTES), starts);
        }
    }

    /** Adds the entries of a decoded index file. */
    public void addIndexFile(IndexFileCodec.Decoded file) {
        RunBuilder run = new RunBuilder(file.count());
        synchronized (this) {
            int[] ordinals = new int[file.packIds().size()];
            for (int i = 0; i < ordinals.length; i++) {
                ordinals[i] = packs.ordinal(file.packIds().get(i), file.epochs()[i]);
            }
            byte[] src = file.records();
            for (int i = 0; i < file.count(); i++) {
                int from = i * IndexFileCodec.FILE_ENTRY_BYTES;
                run.append(src, from, ordinals[(int) IndexFileCodec.readU32(src, from + BlobId.BYTES + 1)], src[from + BlobId.BYTES] & 0xFF,
                        IndexFileCodec.readU32(src, from + BlobId.BYTES + 5), IndexFileCodec.readU32(src, from + BlobId.BYTES + 9));
            }
            addRun(run.finish());
        }
    }

    /** Adds entries of packs that were just stored. */
    public void add(List<IndexEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        List<IndexEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(IndexEntry::id));
        RunBuilder run = new RunBuilder(sorted.size());
        byte[] id = new byte[BlobId.BYTES];
        synchronized (this) {
            for (IndexEntry e : sorted) {
                e.id().copyTo(id, 0);
                run.append(id, 0, packs.ordinal(e.packId(), e.epoch()), e.type().code(),
                        Integer.toUnsignedLong(e.offset()), Integer.toUnsignedLong(e.length()));
            }
            addRun(run.finish());
        }
    }

    public boolean contains(BlobId id) {
        return locate(id.bytes(), runs) != null;
    }

    /** Where a blob is stored, or null if no index lists it. */
    public BlobLocation find(BlobId id) {
        Object[] hit = locate(id.bytes(), runs);
        if (hit == null) {
            return null;
        }
        byte[] records = (byte[]) hit[0];
        return location(records, (Integer) hit[1]);
    }

    private BlobLocation location(byte[] records, int at) {
        int pack = readU24(records, at + SUFFIX);
        long packed = readU56(records, at + SUFFIX + 3);
        BlobType type = BlobType.ofCode((int) (packed >>> 54), "index");
        byte[] packId;
        int epoch;
        synchronized (this) {
            packId = packs.id(pack);
            epoch = packs.epoch(pack);
        }
        return new BlobLocation(packId, epoch, type, (int) ((packed >>> 25) & MAX_OFFSET), (int) (packed & MAX_LENGTH));
    }

    /** Number of records, counting a blob stored in two packs twice. */
    public long size() {
        long n = 0;
        for (Run run : runs) {
            n += run.count();
        }
        return n;
    }

    /** Bytes of record storage, for memory reports. */
    public long recordBytes() {
        long n = 0;
        for (Run run : runs) {
            n += run.records().length;
        }
        return n;
    }

    /** Bytes held in all: records, prefix tables and the pack table (arrays' contents, not headers). */
    public synchronized long memoryBytes() {
        long n = packs.memoryBytes();
        for (Run run : runs) {
            n += run.records().length + 4L * run.starts().length;
        }
        return n;
    }

    /** Visits every record (allocates one value per call; for verify, prune, stats — not hot paths). */
    public void forEach(Consumer<IndexEntry> visitor) {
        byte[] id = new byte[BlobId.BYTES];
        for (Run run : runs) {
            for (int prefix = 0; prefix < BUCKETS; prefix++) {
                id[0] = (byte) (prefix >>> 8);
                id[1] = (byte) prefix;
                for (int i = run.starts()[prefix]; i < run.starts()[prefix + 1]; i++) {
                    int at = i * RECORD_BYTES;
                    System.arraycopy(run.records(), at, id, 2, SUFFIX);
                    BlobLocation l = location(run.records(), at);
                    visitor.accept(new IndexEntry(BlobId.of(id), l.type(), l.packId(), l.epoch(), l.offset(), l.length()));
                }
            }
        }
    }

    public synchronized int packCount() {
        return packs.count();
    }

    public synchronized boolean containsPack(byte[] packId) {
        return packs.find(packId) >= 0;
    }

    private static int prefix(byte[] id, int at) {
        return ((id[at] & 0xFF) << 8) | (id[at + 1] & 0xFF);
    }

    private static Object[] locate(byte[] id, List<Run> snapshot) {
        int prefix = prefix(id, 0);
        for (int r = snapshot.size() - 1; r >= 0; r--) {
            Run run = snapshot.get(r);
            byte[] records = run.records();
            int lo = run.starts()[prefix];
            int hi = run.starts()[prefix + 1] - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int at = mid * RECORD_BYTES;
                int c = Arrays.compareUnsigned(records, at, at + SUFFIX, id, 2, BlobId.BYTES);
                if (c < 0) {
                    lo = mid + 1;
                } else if (c > 0) {
                    hi = mid - 1;
                } else {
                    return new Object[]{records, at};
                }
            }
        }
        return null;
    }

    /** Number of sorted runs (at most about log2 of the entry count). */
    int runCount() {
        return runs.size();
    }

    /** Adds a run, then merges while the run before the newest is at most twice its size. */
    private void addRun(Run run) {
        List<Run> next = new ArrayList<>(runs);
        next.add(run);
        while (next.size() >= 2 && next.get(next.size() - 2).count() <= 2L * next.get(next.size() - 1).count()) {
            Run newer = next.remove(next.size() - 1);
            Run older = next.remove(next.size() - 1);
            next.add(merge(older, newer));
        }
        runs = List.copyOf(next);
    }

    /** Merges two runs prefix by prefix, dropping records that are identical in id and pack. */
    private static Run merge(Run a, Run b) {
        RunBuilder out = new RunBuilder(a.count() + b.count());
        byte[] ra = a.records();
        byte[] rb = b.records();
        int compared = SUFFIX + 3;
        for (int prefix = 0; prefix < BUCKETS; prefix++) {
            int i = a.starts()[prefix] * RECORD_BYTES;
            int iEnd = a.starts()[prefix + 1] * RECORD_BYTES;
            int j = b.starts()[prefix] * RECORD_BYTES;
            int jEnd = b.starts()[prefix + 1] * RECORD_BYTES;
            int first = out.count;
            while (i < iEnd || j < jEnd) {
                byte[] src;
                int at;
                if (j >= jEnd || (i < iEnd && Arrays.compareUnsigned(ra, i, i + compared, rb, j, j + compared) <= 0)) {
                    src = ra;
                    at = i;
                    i += RECORD_BYTES;
                } else {
                    src = rb;
                    at = j;
                    j += RECORD_BYTES;
                }
                int last = (out.count - 1) * RECORD_BYTES;
                if (out.count > first && Arrays.equals(out.records, last, last + compared, src, at, at + compared)) {
                    continue;
                }
                out.copy(prefix, src, at);
            }
        }
        return out.finish();
    }

    private static void writeLocation(byte[] b, int at, int pack, int type, long offset, long length) {
        if (type < 0 || type > 3) {
            throw new IllegalArgumentException("blob type code " + type + " does not fit the index record");
        }
        if (offset > MAX_OFFSET || length > MAX_LENGTH) {
            throw new IllegalArgumentException("blob at offset " + offset + ", length " + length
                    + " is beyond what the index holds (offsets below 256 MiB, lengths below 32 MiB)");
        }
        writeU24(b, at + SUFFIX, pack);
        long packed = ((long) type << 54) | (offset << 25) | length;
        for (int k = 0; k < 7; k++) {
            b[at + SUFFIX + 3 + k] = (byte) (packed >>> (8 * (6 - k)));
        }
    }

    private static long readU56(byte[] b, int at) {
        long v = 0;
        for (int k = 0; k < 7; k++) {
            v = (v << 8) | (b[at + k] & 0xFF);
        }
        return v;
    }

    private static void writeU24(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 16);
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) v;
    }

    private static int readU24(byte[] b, int at) {
        return ((b[at] & 0xFF) << 16) | ((b[at + 1] & 0xFF) << 8) | (b[at + 2] & 0xFF);
    }

    /**
     * Pack ids and epochs by ordinal, in flat arrays, with an open-addressing hash table from id
     * to ordinal: about 44 bytes per pack and no object per pack. Not thread-safe (the index
     * synchronises).
     */
    private static final class PackTable {
        private byte[] ids = new byte[BlobId.BYTES * 16];
        private int[] epochs = new int[16];
        private int[] slots = new int[32]; // ordinal + 1; 0 = empty
        private int count;

        int count() {
            return count;
        }

        byte[] id(int ordinal) {
            return Arrays.copyOfRange(ids, ordinal * BlobId.BYTES, (ordinal + 1) * BlobId.BYTES);
        }

        int epoch(int ordinal) {
            return epochs[ordinal];
        }

        long memoryBytes() {
            return ids.length + 4L * epochs.length + 4L * slots.length;
        }

        /** The ordinal of a pack, or -1. */
        int find(byte[] packId) {
            int mask = slots.length - 1;
            for (int s = hash(packId, 0) & mask; ; s = (s + 1) & mask) {
                int entry = slots[s];
                if (entry == 0) {
                    return -1;
                }
                if (Arrays.equals(ids, (entry - 1) * BlobId.BYTES, entry * BlobId.BYTES, packId, 0, BlobId.BYTES)) {
                    return entry - 1;
                }
            }
        }

        /** The ordinal of a pack, registering it (with its epoch) on first sight. */
        int ordinal(byte[] packId, int epoch) {
            if (packId.length != BlobId.BYTES) {
                throw new IllegalArgumentException("pack id of " + packId.length + " bytes");
            }
            int known = find(packId);
            if (known >= 0) {
                return known;
            }
            if (count >= MAX_PACKS) {
                throw new IllegalStateException("more than " + MAX_PACKS + " packs in one index");
            }
            if (count == epochs.length) {
                ids = Arrays.copyOf(ids, ids.length * 2);
                epochs = Arrays.copyOf(epochs, epochs.length * 2);
            }
            System.arraycopy(packId, 0, ids, count * BlobId.BYTES, BlobId.BYTES);
            epochs[count] = epoch;
            count++;
            if (2 * count > slots.length) {
                slots = new int[slots.length * 2];
                for (int o = 0; o < count; o++) {
                    insert(o);
                }
            } else {
                insert(count - 1);
            }
            return count - 1;
        }

        private void insert(int ordinal) {
            int mask = slots.length - 1;
            int s = hash(ids, ordinal * BlobId.BYTES) & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = ordinal + 1;
        }

        /** Pack ids are random (hashes): their first four bytes spread well. */
        private static int hash(byte[] b, int at) {
            return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
        }
    }
}
