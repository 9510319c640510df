package dr.summit.repository.index;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * In-memory blob index: sorted runs of fixed-size records in plain byte arrays — no Java object
 * per entry — searched by binary search. New entries arrive as runs; when there are too many runs
 * they are merged, so lookups stay O(log n) and memory stays at {@value #RECORD_BYTES} bytes per
 * entry plus one small object per pack. Thread-safe: readers see an immutable list of runs.
 *
 * <p>Record: {@code id[32] type u8 pack u24 offset u32 length u32}.
 */
public final class BlobIndex {
    public static final int RECORD_BYTES = 44;
    private static final int MAX_RUNS = 8;
    private static final int MAX_PACKS = 1 << 24;

    private final List<byte[]> packIds = new ArrayList<>();
    private final List<Integer> packEpochs = new ArrayList<>();
    private final Map<String, Integer> packOrdinals = new HashMap<>();
    private volatile List<byte[]> runs = List.of();

    /** Adds the entries of a decoded index file. */
    public void addIndexFile(IndexFileCodec.Decoded file) {
        byte[] run = new byte[file.count() * RECORD_BYTES];
        synchronized (this) {
            int[] ordinals = new int[file.packIds().size()];
            for (int i = 0; i < ordinals.length; i++) {
                ordinals[i] = packOrdinal(file.packIds().get(i), file.epochs()[i]);
            }
            byte[] src = file.records();
            for (int i = 0; i < file.count(); i++) {
                int from = i * IndexFileCodec.FILE_ENTRY_BYTES;
                int to = i * RECORD_BYTES;
                System.arraycopy(src, from, run, to, BlobId.BYTES + 1);
                int pack = ordinals[(int) IndexFileCodec.readU32(src, from + BlobId.BYTES + 1)];
                writeU24(run, to + 33, pack);
                System.arraycopy(src, from + BlobId.BYTES + 5, run, to + 36, 8);
            }
            addRun(run);
        }
    }

    /** Adds entries of packs that were just stored. */
    public void add(List<IndexEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        List<IndexEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(IndexEntry::id));
        byte[] run = new byte[sorted.size() * RECORD_BYTES];
        synchronized (this) {
            for (int i = 0; i < sorted.size(); i++) {
                IndexEntry e = sorted.get(i);
                int at = i * RECORD_BYTES;
                e.id().copyTo(run, at);
                run[at + 32] = (byte) e.type().code();
                writeU24(run, at + 33, packOrdinal(e.packId(), e.epoch()));
                writeU32(run, at + 36, e.offset());
                writeU32(run, at + 40, e.length());
            }
            addRun(run);
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
        byte[] run = (byte[]) hit[0];
        int at = (Integer) hit[1];
        int pack = readU24(run, at + 33);
        synchronized (this) {
            return new BlobLocation(packIds.get(pack).clone(), packEpochs.get(pack),
                    BlobType.ofCode(run[at + 32] & 0xFF, "index"), (int) IndexFileCodec.readU32(run, at + 36),
                    (int) IndexFileCodec.readU32(run, at + 40));
        }
    }

    /** Number of records, counting a blob stored in two packs twice. */
    public long size() {
        long n = 0;
        for (byte[] run : runs) {
            n += run.length / RECORD_BYTES;
        }
        return n;
    }

    /** Bytes of record storage, for memory reports. */
    public long recordBytes() {
        long n = 0;
        for (byte[] run : runs) {
            n += run.length;
        }
        return n;
    }

    /** Visits every record (allocates one value per call; for verify, prune, stats — not hot paths). */
    public void forEach(Consumer<IndexEntry> visitor) {
        for (byte[] run : runs) {
            for (int at = 0; at < run.length; at += RECORD_BYTES) {
                int pack = readU24(run, at + 33);
                byte[] packId;
                int epoch;
                synchronized (this) {
                    packId = packIds.get(pack);
                    epoch = packEpochs.get(pack);
                }
                visitor.accept(new IndexEntry(BlobId.of(run, at), BlobType.ofCode(run[at + 32] & 0xFF, "index"), packId,
                        epoch, (int) IndexFileCodec.readU32(run, at + 36), (int) IndexFileCodec.readU32(run, at + 40)));
            }
        }
    }

    public synchronized int packCount() {
        return packIds.size();
    }

    public synchronized boolean containsPack(byte[] packId) {
        return packOrdinals.containsKey(Arrays.toString(packId));
    }

    private static Object[] locate(byte[] id, List<byte[]> snapshot) {
        for (int r = snapshot.size() - 1; r >= 0; r--) {
            byte[] run = snapshot.get(r);
            int lo = 0;
            int hi = run.length / RECORD_BYTES - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int at = mid * RECORD_BYTES;
                int c = Arrays.compareUnsigned(run, at, at + BlobId.BYTES, id, 0, BlobId.BYTES);
                if (c < 0) {
                    lo = mid + 1;
                } else if (c > 0) {
                    hi = mid - 1;
                } else {
                    return new Object[]{run, at};
                }
            }
        }
        return null;
    }

    private int packOrdinal(byte[] packId, int epoch) {
        String key = Arrays.toString(packId);
        Integer ordinal = packOrdinals.get(key);
        if (ordinal == null) {
            if (packIds.size() >= MAX_PACKS) {
                throw new IllegalStateException("more than " + MAX_PACKS + " packs in one index");
            }
            ordinal = packIds.size();
            packIds.add(packId.clone());
            packEpochs.add(epoch);
            packOrdinals.put(key, ordinal);
        }
        return ordinal;
    }

    private void addRun(byte[] run) {
        List<byte[]> next = new ArrayList<>(runs);
        next.add(run);
        if (next.size() > MAX_RUNS) {
            next = List.of(mergeAll(next));
        }
        runs = List.copyOf(next);
    }

    /** Merges sorted runs into one, dropping records that are identical in id and pack. */
    private static byte[] mergeAll(List<byte[]> all) {
        byte[] acc = all.get(0);
        for (int i = 1; i < all.size(); i++) {
            acc = merge(acc, all.get(i));
        }
        return acc;
    }

    private static byte[] merge(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        int i = 0;
        int j = 0;
        int o = 0;
        while (i < a.length || j < b.length) {
            byte[] src;
            int at;
            if (j >= b.length || (i < a.length && Arrays.compareUnsigned(a, i, i + 36, b, j, j + 36) <= 0)) {
                src = a;
                at = i;
                i += RECORD_BYTES;
            } else {
                src = b;
                at = j;
                j += RECORD_BYTES;
            }
            if (o > 0 && Arrays.equals(out, o - RECORD_BYTES, o - RECORD_BYTES + 36, src, at, at + 36)) {
                continue;
            }
            System.arraycopy(src, at, out, o, RECORD_BYTES);
            o += RECORD_BYTES;
        }
        return o == out.length ? out : Arrays.copyOf(out, o);
    }

    private static void writeU24(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 16);
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) v;
    }

    private static int readU24(byte[] b, int at) {
        return ((b[at] & 0xFF) << 16) | ((b[at + 1] & 0xFF) << 8) | (b[at + 2] & 0xFF);
    }

    private static void writeU32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
