package dr.summit.repository.blob;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.EndDirective;
import dr.summit.repository.CorruptObjectException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * Frames a blob's plaintext before encryption: {@code algo u8 [rawLength u32] bytes}
 * (docs/repository-format.md, "Payload"). Data that does not shrink by at least 1/32 is stored
 * raw: it saves the reader a decompression for nothing. Thread-safe.
 */
public final class PayloadCodec {
    /** Bytes a payload may add to its plaintext (algorithm byte; raw payloads carry no length). */
    public static final int MAX_OVERHEAD = 1;

    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private final Compression compression;
    private final int zstdLevel;
    private final ThreadLocal<ZstdCompressCtx> zstd;
    /**
     * Each thread's zstd stream over small direct buffers: on heap arrays zstd-jni runs in a JNI
     * critical region, during which the collector cannot run; other threads' allocations then go to
     * the old generation and end in full collections (a first backup under a 100 MiB heap: 27 of its
     * 42 full collections were "GCLocker Initiated"). The chunk goes through a 256 KiB direct slice,
     * the frame out through another into a reused heap array: 512 KiB off the heap per thread, and
     * no array of the compression bound allocated per chunk.
     */
    private final ThreadLocal<ChunkStream> chunkStreams = ThreadLocal.withInitial(ChunkStream::new);

    private static final class ChunkStream {
        final ByteBuffer in = ByteBuffer.allocateDirect(SLICE);
        final ByteBuffer out = ByteBuffer.allocateDirect(SLICE);
        byte[] frame = new byte[0];
    }
    private final LZ4Compressor lz4 = LZ4.fastCompressor();
    private final LZ4FastDecompressor lz4Decompressor = LZ4.fastDecompressor();

    public PayloadCodec(Compression compression, int zstdLevel) {
        this.compression = compression;
        this.zstdLevel = zstdLevel;
        this.zstd = ThreadLocal.withInitial(() -> {
            ZstdCompressCtx ctx = new ZstdCompressCtx();
            ctx.setLevel(zstdLevel);
            return ctx;
        });
    }

    public Compression compression() {
        return compression;
    }

    public int zstdLevel() {
        return zstdLevel;
    }

    /** Encodes {@code data[offset, offset+length)} into a new array. */
    public byte[] encode(byte[] data, int offset, int length) {
        if (compression != Compression.NONE && length >= 64) {
            byte[] out = compress(data, offset, length);
            if (out != null) {
                return out;
            }
        }
        byte[] out = new byte[length + 1];
        out[0] = (byte) Compression.NONE.code();
        System.arraycopy(data, offset, out, 1, length);
        return out;
    }

    private byte[] compress(byte[] data, int offset, int length) {
        int limit = length - (length >>> 5);
        byte[] out;
        int written;
        if (compression == Compression.ZSTD) {
            out = zstdChunk(data, offset, length, limit);
            if (out == null) {
                return null;
            }
            written = out.length - 5;
        } else {
            out = new byte[5 + lz4.maxCompressedLength(length)];
            written = lz4.compress(data, offset, length, out, 5, out.length - 5);
        }
        if (written >= limit) {
            return null;
        }
        out[0] = (byte) compression.code();
        out[1] = (byte) (length >>> 24);
        out[2] = (byte) (length >>> 16);
        out[3] = (byte) (length >>> 8);
        out[4] = (byte) length;
        return out.length == 5 + written ? out : java.util.Arrays.copyOf(out, 5 + written);
    }

    /**
     * {@code data[offset, offset+length)} as a zstd frame after 5 bytes of header room, in an array
     * of exactly that size; null once the frame reaches {@code limit} bytes (it is stored raw then).
     */
    private byte[] zstdChunk(byte[] data, int offset, int length, int limit) {
        ChunkStream z = chunkStreams.get();
        if (z.frame.length < 5 + limit) {
            z.frame = new byte[5 + limit];
        }
        ZstdCompressCtx ctx = zstd.get();
        ctx.setPledgedSrcSize(length);
        int at = 0;
        int end = 5;
        boolean finished = false;
        try {
            while (!finished) {
                int n = Math.min(SLICE, length - at);
                z.in.clear();
                z.in.put(data, offset + at, n).flip();
                at += n;
                EndDirective directive = at == length ? EndDirective.END : EndDirective.CONTINUE;
                boolean flushed;
                do {
                    z.out.clear();
                    flushed = ctx.compressDirectByteBufferStream(z.out, z.in, directive);
                    z.out.flip();
                    int k = z.out.remaining();
                    if (end + k > 5 + limit) {
                        return null;   // does not shrink enough: raw
                    }
                    z.out.get(z.frame, end, k);
                    end += k;
                } while (z.in.hasRemaining() || (directive == EndDirective.END && !flushed));
                finished = directive == EndDirective.END;
            }
            return java.util.Arrays.copyOf(z.frame, end);
        } finally {
            if (!finished) {
                ctx.reset();   // a frame left unfinished
                ctx.setLevel(zstdLevel);
            }
        }
    }

    /** Plaintext read on demand: fills {@code into[offset, offset+length)} with the bytes at {@code position}. */
    @FunctionalInterface
    public interface SliceSource {
        void read(long position, byte[] into, int offset, int length) throws IOException;
    }

    /** An encoded payload at {@code buffer[offset, offset+length)}, with free room before and after it. */
    public record Placed(byte[] buffer, int offset, int length) {
    }

    /** Plaintext is read in slices of this size by {@link #encodeFrom}. */
    static final int SLICE = 256 * 1024;

    /**
     * Encodes {@code length} bytes read from {@code source} in slices, never holding the plaintext
     * whole (a WAL segment the resident agent pushes, several at once, in a small heap). The payload
     * is the one {@link #encode} gives (a zstd frame written as a stream, with its content size
     * pledged up front, is a frame like the one-shot one). It is placed at
     * {@code headroom} in a new array with {@code tailroom} free bytes after it, so that it can be
     * sealed in place. LZ4 (a block format) reads the plaintext whole.
     */
    public Placed encodeFrom(SliceSource source, int length, int headroom, int tailroom) throws IOException {
        if (compression == Compression.ZSTD && length >= 64) {
            Placed compressed = zstdFrom(source, length, headroom, tailroom);
            if (compressed != null) {
                return compressed;
            }
        } else if (compression != Compression.NONE && length >= 64) {
            byte[] plain = new byte[length];
            source.read(0, plain, 0, length);
            byte[] payload = encode(plain, 0, length);
            byte[] out = new byte[headroom + payload.length + tailroom];
            System.arraycopy(payload, 0, out, headroom, payload.length);
            return new Placed(out, headroom, payload.length);
        }
        // Raw; allocated only once the compressed blocks are unreachable.
        byte[] out = new byte[headroom + 1 + length + tailroom];
        out[headroom] = (byte) Compression.NONE.code();
        for (long at = 0; at < length; ) {
            int n = (int) Math.min(SLICE, length - at);
            source.read(at, out, headroom + 1 + (int) at, n);
            at += n;
        }
        return new Placed(out, headroom, 1 + length);
    }

    /**
     * Bytes of scratch that {@link #encodeInto} needs for {@code length} bytes of plaintext: the
     * payload's worst case (compressed output is given up once it passes the limit, so it never
     * exceeds 5 + length).
     */
    public static int scratchBytes(int length) {
        return 5 + length;
    }

    /**
     * As {@link #encodeFrom}, but into {@code scratch}, a direct buffer of at least
     * {@link #scratchBytes} that the caller reuses: the resident agent compresses every WAL
     * segment in one of a few pooled buffers outside the heap, so a burst of pushes leaves no
     * garbage of segment size and the heap holds only the sealed copies. The payload, the one
     * {@link #encode} gives, is {@code scratch[0, returned length)}. zstd reads and writes direct
     * buffers only: a JNI call on a heap array pins it (a JNI critical region), and while any
     * thread is in one the collector cannot run, so the other threads' allocations grew the heap
     * instead (the agent's heap went to its cap that way).
     */
    public int encodeInto(SliceSource source, int length, ByteBuffer scratch) throws IOException {
        if (!scratch.isDirect() || scratch.capacity() < scratchBytes(length)) {
            throw new IllegalArgumentException("scratch: a direct buffer of at least " + scratchBytes(length) + " bytes");
        }
        if (compression == Compression.ZSTD && length >= 64) {
            int size = zstdInto(source, length, scratch);
            if (size >= 0) {
                return size;
            }
        } else if (compression != Compression.NONE && length >= 64) {
            Placed placed = encodeFrom(source, length, 0, 0);   // LZ4: a block format, read whole
            scratch.put(0, placed.buffer(), 0, placed.length());
            return placed.length();
        }
        DirectStream z = takeStream();
        try {
            scratch.put(0, (byte) Compression.NONE.code());
            for (long at = 0; at < length; ) {
                int n = (int) Math.min(SLICE, length - at);
                source.read(at, z.slice, 0, n);
                scratch.put(1 + (int) at, z.slice, 0, n);
                at += n;
            }
        } finally {
            directStreams.addFirst(z);
        }
        return 1 + length;
    }

    /** Compresses into {@code scratch}; the payload's length, or -1 when it does not shrink by 1/32. */
    private int zstdInto(SliceSource source, int length, ByteBuffer scratch) throws IOException {
        int limit = length - (length >>> 5);
        // Output past the limit is not wanted (the payload will be raw): the buffer ends there.
        ByteBuffer out = scratch.duplicate().clear().position(5).limit(5 + limit);
        DirectStream z = takeStream();
        ZstdCompressCtx ctx = z.ctx;
        boolean finished = false;
        try {
            ctx.reset();
            ctx.setLevel(zstdLevel);
            ctx.setPledgedSrcSize(length);
            for (long at = 0; at < length && out.hasRemaining(); ) {
                int n = (int) Math.min(SLICE, length - at);
                source.read(at, z.slice, 0, n);
                at += n;
                z.in.clear();
                z.in.put(z.slice, 0, n).flip();
                EndDirective directive = at == length ? EndDirective.END : EndDirective.CONTINUE;
                boolean flushed;
                do {
                    flushed = ctx.compressDirectByteBufferStream(out, z.in, directive);
                } while (out.hasRemaining() && (z.in.hasRemaining() || (directive == EndDirective.END && !flushed)));
                finished = out.hasRemaining() && directive == EndDirective.END;
            }
        } finally {
            if (!finished) {
                ctx.reset();   // a frame left unfinished (given up, or the source failed)
                ctx.setLevel(zstdLevel);
            }
            directStreams.addFirst(z);
        }
        int size = out.position() - 5;
        if (!finished || size >= limit) {
            return -1;
        }
        scratch.put(0, (byte) compression.code());
        scratch.put(1, (byte) (length >>> 24));
        scratch.put(2, (byte) (length >>> 16));
        scratch.put(3, (byte) (length >>> 8));
        scratch.put(4, (byte) length);
        return 5 + size;
    }

    private DirectStream takeStream() {
        DirectStream z = directStreams.pollFirst();
        return z != null ? z : new DirectStream(zstdLevel);
    }

    /**
     * A zstd context with its direct input buffer and a heap slice the source is read into, for
     * {@link #encodeInto}; pooled rather than one per thread, so there are only as many (a context
     * is a few MiB of native memory) as encodes run at once, not as many as threads ever encoded.
     */
    private static final class DirectStream {
        final ZstdCompressCtx ctx = new ZstdCompressCtx();
        final ByteBuffer in = ByteBuffer.allocateDirect(SLICE);
        final byte[] slice = new byte[SLICE];

        DirectStream(int level) {
            ctx.setLevel(level);
        }
    }

    private final java.util.concurrent.ConcurrentLinkedDeque<DirectStream> directStreams = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** The zstd payload of the source, or null when it does not shrink by 1/32 (then it is stored raw). */
    private Placed zstdFrom(SliceSource source, int length, int headroom, int tailroom) throws IOException {
        int limit = length - (length >>> 5);
        // This thread's context, reused: a new native context per segment (~5 MiB of malloc each)
        // left the resident agent's heap of native memory fragmented at twice its Java heap.
        ZstdCompressCtx ctx = zstd.get();
        ctx.reset();
        ctx.setLevel(zstdLevel);
        ctx.setPledgedSrcSize(length);
        Blocks compressed = new Blocks();
        byte[] slice = new byte[Math.min(SLICE, length)];
        ByteBuffer out = ByteBuffer.allocate(STREAM_OUT);
        long at = 0;
        try {
            // Stop once the output is past the limit: the payload will be raw anyway.
            while (at < length && compressed.size < limit) {
                int n = (int) Math.min(slice.length, length - at);
                source.read(at, slice, 0, n);
                at += n;
                ByteBuffer in = ByteBuffer.wrap(slice, 0, n);
                EndDirective directive = at == length ? EndDirective.END : EndDirective.CONTINUE;
                boolean flushed;
                do {
                    flushed = ctx.compressByteBufferStream(out, in, directive);
                    out.flip();
                    compressed.write(out.array(), 0, out.limit());
                    out.clear();
                } while (in.hasRemaining() || (directive == EndDirective.END && !flushed));
            }
        } finally {
            if (at < length) {
                ctx.reset();   // a frame left unfinished (given up, or the source failed)
                ctx.setLevel(zstdLevel);
            }
        }
        if (at < length || compressed.size >= limit) {
            return null;
        }
        byte[] payload = new byte[headroom + 5 + compressed.size + tailroom];
        payload[headroom] = (byte) compression.code();
        payload[headroom + 1] = (byte) (length >>> 24);
        payload[headroom + 2] = (byte) (length >>> 16);
        payload[headroom + 3] = (byte) (length >>> 8);
        payload[headroom + 4] = (byte) length;
        compressed.copyTo(payload, headroom + 5);
        return new Placed(payload, headroom, 5 + compressed.size);
    }

    /** Compressed output is taken from the context in pieces of this size. */
    private static final int STREAM_OUT = 128 * 1024;

    /** Output collected in 1 MiB blocks: growing it never copies what it holds. */
    private static final class Blocks extends OutputStream {
        private static final int BLOCK = 1 << 20;
        private final List<byte[]> blocks = new ArrayList<>();
        private int size;

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                int inLast = size % BLOCK;
                if (inLast == 0) {
                    blocks.add(new byte[BLOCK]);
                }
                int n = Math.min(len, BLOCK - inLast);
                System.arraycopy(b, off, blocks.get(blocks.size() - 1), inLast, n);
                off += n;
                len -= n;
                size += n;
            }
        }

        void copyTo(byte[] out, int at) {
            for (int i = 0, left = size; left > 0; i++) {
                int n = Math.min(left, BLOCK);
                System.arraycopy(blocks.get(i), 0, out, at, n);
                at += n;
                left -= n;
            }
        }
    }

    /** Plain bytes: the first {@code length} of {@code bytes} (a reused buffer may be longer). */
    public record Decoded(byte[] bytes, int length) {
    }

    /**
     * Decodes a payload into {@code scratch} when it is large enough, else into a new array of the
     * exact size: a restore worker decodes chunk after chunk into one buffer instead of allocating
     * (and zeroing) a new one per chunk. The caller must be done with the bytes before reusing it.
     */
    public Decoded decodeInto(byte[] payload, String where, byte[] scratch) {
        int raw = rawLength(payload, where);
        byte[] out = scratch != null && scratch.length >= raw ? scratch : new byte[raw];
        decompress(payload, where, out, raw);
        return new Decoded(out, raw);
    }

    /** Decodes a payload; {@code where} names the blob in errors. */
    public byte[] decode(byte[] payload, String where) {
        int raw = rawLength(payload, where);
        byte[] out = new byte[raw];
        decompress(payload, where, out, raw);
        return out;
    }

    /** The decoded length a payload declares (checked for plausibility). */
    private static int rawLength(byte[] payload, String where) {
        if (payload.length < 1) {
            throw new CorruptObjectException(where + ": empty payload");
        }
        Compression algo = Compression.ofCode(payload[0] & 0xFF, where);
        if (algo == Compression.NONE) {
            return payload.length - 1;
        }
        if (payload.length < 5) {
            throw new CorruptObjectException(where + ": truncated compressed payload");
        }
        int raw = ((payload[1] & 0xFF) << 24) | ((payload[2] & 0xFF) << 16) | ((payload[3] & 0xFF) << 8) | (payload[4] & 0xFF);
        if (raw < 0 || raw > 256 * 1024 * 1024) {
            throw new CorruptObjectException(where + ": implausible raw length " + raw);
        }
        return raw;
    }

    private void decompress(byte[] payload, String where, byte[] out, int raw) {
        Compression algo = Compression.ofCode(payload[0] & 0xFF, where);
        if (algo == Compression.NONE) {
            System.arraycopy(payload, 1, out, 0, raw);
            return;
        }
        try {
            if (algo == Compression.ZSTD) {
                long n = Zstd.decompressByteArray(out, 0, raw, payload, 5, payload.length - 5);
                if (Zstd.isError(n) || n != raw) {
                    throw new CorruptObjectException(where + ": zstd payload does not decode to " + raw + " bytes");
                }
            } else {
                int read = lz4Decompressor.decompress(payload, 5, out, 0, raw);
                if (read != payload.length - 5) {
                    throw new CorruptObjectException(where + ": lz4 payload length mismatch");
                }
            }
        } catch (CorruptObjectException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptObjectException(where + ": cannot decompress " + algo.label() + " payload: " + e.getMessage(), e);
        }
    }
}
