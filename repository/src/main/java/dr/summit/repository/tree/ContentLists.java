package dr.summit.repository.tree;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * Chunk lists of huge files (docs/repository-format.md, "Content lists"). A file with more than
 * {@value #MAX_DIRECT_CHUNKS} chunks stores its list in CHUNK_LIST blobs and its tree node names
 * those blobs instead, flagged {@link Node#INDIRECT_CONTENT}; each reference's length is the bytes
 * its list covers. So a tree stays small whatever the file size.
 * <pre>chunk list := 01 count u32 (id[32] length u32)*</pre>
 */
public final class ContentLists {
    /** Above this many chunks (~147 KB of node), a file's list goes into CHUNK_LIST blobs. */
    public static final int MAX_DIRECT_CHUNKS = 4096;
    private static final int VERSION = 1;

    private ContentLists() {
    }

    /** Chunks per list blob: at most 4096, and few enough that the bytes covered fit a u32 length. */
    public static int chunksPerList(int maxChunkSize) {
        return (int) Math.max(1, Math.min(MAX_DIRECT_CHUNKS, Integer.MAX_VALUE / (long) maxChunkSize));
    }

    public static byte[] encode(List<ChunkRef> chunks) {
        ByteWriter w = new ByteWriter(5 + chunks.size() * (BlobId.BYTES + 4));
        w.u8(VERSION).u32(chunks.size());
        for (ChunkRef c : chunks) {
            w.bytes(c.id().bytes()).u32(c.length());
        }
        return w.toByteArray();
    }

    public static List<ChunkRef> decode(byte[] bytes, String where) {
        ByteReader r = new ByteReader(bytes, where);
        int version = r.u8();
        if (version != VERSION) {
            throw r.corrupt("unsupported chunk-list version " + version);
        }
        int count = r.count(BlobId.BYTES + 4);
        List<ChunkRef> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            BlobId id = BlobId.of(r.bytes(BlobId.BYTES));
            long length = r.u32();
            if (length > Integer.MAX_VALUE) {
                throw r.corrupt("chunk length " + length + " out of range");
            }
            chunks.add(new ChunkRef(id, (int) length));
        }
        r.expectEnd();
        return chunks;
    }

    /** Total bytes of a list. */
    public static long bytes(List<ChunkRef> chunks) {
        long total = 0;
        for (ChunkRef c : chunks) {
            total += c.length();
        }
        return total;
    }
}
