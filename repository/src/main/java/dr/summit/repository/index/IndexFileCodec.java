package dr.summit.repository.index;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;
import dr.summit.repository.pack.PackFormat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary layout of an index file's payload (docs/repository-format.md, "Index"):
 * <pre>
 * "SDRI" 01  packCount u32  (packId[32] epoch u32)*  entryCount u32  (id[32] type u8 pack u32 offset u32 length u32)*
 * </pre>
 * Entries are sorted by id (unsigned bytes) and reference packs by their position in the pack
 * table, so loading is a linear copy and lookups a binary search.
 */
public final class IndexFileCodec {
    static final int VERSION = 1;
    static final int FILE_ENTRY_BYTES = BlobId.BYTES + 1 + 4 + 4 + 4;
    private static final byte[] MAGIC = {'S', 'D', 'R', 'I'};

    private IndexFileCodec() {
    }

    public static byte[] encode(List<IndexEntry> entries) {
        Map<String, Integer> packOrdinals = new HashMap<>();
        List<IndexEntry> packFirst = new ArrayList<>();
        for (IndexEntry e : entries) {
            String key = Arrays.toString(e.packId());
            if (packOrdinals.putIfAbsent(key, packOrdinals.size()) == null) {
                packFirst.add(e);
            }
        }
        ByteWriter w = new ByteWriter(16 + packFirst.size() * 36 + entries.size() * FILE_ENTRY_BYTES);
        w.bytes(MAGIC).u8(VERSION).u32(packFirst.size());
        for (IndexEntry e : packFirst) {
            w.bytes(e.packId()).u32(e.epoch() & 0xffffffffL);
        }
        List<IndexEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(IndexEntry::id));
        w.u32(sorted.size());
        for (IndexEntry e : sorted) {
            w.bytes(e.id().bytes()).u8(e.type().code()).u32(packOrdinals.get(Arrays.toString(e.packId())))
                    .u32(e.offset()).u32(e.length());
        }
        return w.toByteArray();
    }

    /** A decoded index file: its pack table and its sorted entry records, still in file layout. */
    public record Decoded(List<byte[]> packIds, int[] epochs, byte[] records, int count) {
    }

    public static Decoded decode(byte[] payload, String name) {
        ByteReader r = new ByteReader(payload, name);
        if (!Arrays.equals(r.bytes(4), MAGIC)) {
            throw r.corrupt("not an index (bad magic)");
        }
        int version = r.u8();
        if (version != VERSION) {
            throw r.corrupt("unsupported index version " + version);
        }
        int packs = r.count(PackFormat.PACK_ID_BYTES + 4);
        List<byte[]> packIds = new ArrayList<>(packs);
        int[] epochs = new int[packs];
        for (int i = 0; i < packs; i++) {
            packIds.add(r.bytes(PackFormat.PACK_ID_BYTES));
            epochs[i] = (int) r.u32();
        }
        int count = r.count(FILE_ENTRY_BYTES);
        int start = r.position();
        byte[] records = r.bytes(count * FILE_ENTRY_BYTES);
        r.expectEnd();
        for (int i = 0; i < count; i++) {
            int at = i * FILE_ENTRY_BYTES;
            BlobType.ofCode(records[at + BlobId.BYTES] & 0xFF, name);
            long pack = readU32(records, at + BlobId.BYTES + 1);
            if (pack >= packs) {
                throw r.corrupt("entry " + i + " (offset " + (start + at) + ") names pack " + pack + " of " + packs);
            }
            if (i > 0 && Arrays.compareUnsigned(records, at - FILE_ENTRY_BYTES, at - FILE_ENTRY_BYTES + BlobId.BYTES,
                    records, at, at + BlobId.BYTES) > 0) {
                throw r.corrupt("entries are not sorted at entry " + i);
            }
        }
        return new Decoded(packIds, epochs, records, count);
    }

    static long readU32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
