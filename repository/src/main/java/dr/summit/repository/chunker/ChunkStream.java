package dr.summit.repository.chunker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Splits an {@link InputStream} into chunks with a {@link Chunker}, without copying chunk data out.
 *
 * <p>Usage: {@code while (stream.next()) { use(stream.buffer(), stream.offset(), stream.length()); }}. The view
 * is valid only until the next call to {@link #next()}, which may overwrite the buffer. The last chunk may be
 * shorter than {@code minSize}; empty input yields no chunks.
 *
 * <p>The stream's owner closes the {@code InputStream}; this class only reads from it. Not thread-safe.
 */
public final class ChunkStream {

    private final InputStream in;
    private final Chunker chunker;
    private final int maxSize;
    // Twice maxSize, so a refill always reads at least maxSize bytes and compaction moves less than it reads.
    private final byte[] buf;

    private int start;
    private int end;
    private boolean eof;
    private int chunkLength;
    private long chunkPosition;

    /**
     * Creates a chunk stream; allocates a buffer of {@code 2 * maxSize} bytes.
     *
     * @param in the data to split; read sequentially, never closed here
     * @param chunker the chunker that decides the boundaries
     */
    public ChunkStream(InputStream in, Chunker chunker) {
        this(in, chunker, new byte[2 * chunker.params().maxSize()]);
    }

    /**
     * Creates a chunk stream over a caller-owned buffer of at least {@link #bufferSize(Chunker)}
     * bytes, so that a thread reading many small files allocates (and zeroes) it once, not per file.
     */
    public ChunkStream(InputStream in, Chunker chunker, byte[] buffer) {
        this.in = Objects.requireNonNull(in, "in");
        this.chunker = Objects.requireNonNull(chunker, "chunker");
        this.maxSize = chunker.params().maxSize();
        if (buffer.length < bufferSize(chunker)) {
            throw new IllegalArgumentException("chunk buffer must hold at least " + bufferSize(chunker) + " bytes");
        }
        this.buf = buffer;
    }

    /** Buffer size a chunk stream needs: twice the maximum chunk size. */
    public static int bufferSize(Chunker chunker) {
        return 2 * chunker.params().maxSize();
    }

    /**
     * Advances to the next chunk.
     *
     * @return {@code true} if there is a chunk to read through {@link #buffer()}, {@link #offset()} and
     *     {@link #length()}; {@code false} at end of input (and on every later call)
     * @throws IOException if reading the underlying stream fails
     */
    public boolean next() throws IOException {
        start += chunkLength;
        chunkPosition += chunkLength;
        chunkLength = 0;
        if (!eof && end - start < maxSize) {
            refill();
        }
        int available = end - start;
        if (available == 0) {
            return false;
        }
        // With at least maxSize bytes the chunker always answers; with fewer we are at end of input, where a
        // missing cut point means the rest is the last chunk.
        int n = chunker.findBoundary(buf, start, available);
        chunkLength = n < 0 ? available : n;
        return true;
    }

    private void refill() throws IOException {
        int kept = end - start;
        System.arraycopy(buf, start, buf, 0, kept);
        start = 0;
        end = kept;
        while (end < buf.length) {
            // At most 256 KiB a call: a file stream copies each read through a per-thread direct
            // buffer as large as the read, which the whole buffer's size kept resident per reader.
            int read = in.read(buf, end, Math.min(buf.length - end, 256 * 1024));
            if (read < 0) {
                eof = true;
                return;
            }
            end += read;
        }
    }

    /** The buffer holding the current chunk; shared and overwritten by later calls to {@link #next()}. */
    public byte[] buffer() {
        return buf;
    }

    /** Index of the current chunk's first byte in {@link #buffer()}. */
    public int offset() {
        return start;
    }

    /** Length of the current chunk; 0 before the first and after the last chunk. */
    public int length() {
        return chunkLength;
    }

    /** Offset of the current chunk's first byte in the input stream. */
    public long position() {
        return chunkPosition;
    }
}
