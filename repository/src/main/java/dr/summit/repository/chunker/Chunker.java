package dr.summit.repository.chunker;

import java.util.Objects;

/**
 * FastCDC content-defined chunker with normalized chunking, level 2 (Xia et al., "FastCDC: a Fast and Efficient
 * Content-Defined Chunking Approach for Data Deduplication", USENIX ATC 2016, and the 2020 TPDS extension).
 *
 * <p>The rolling gear hash is {@code h = (h << 1) + gear[b]} over unsigned bytes {@code b}, with a keyed
 * {@link GearTable}. After the byte that would make the chunk {@code n} bytes long, position {@code n} is a cut
 * point if the top bits of {@code h} are all zero:
 * <ul>
 *   <li>{@code n < minSize}: never a cut point;</li>
 *   <li>{@code minSize <= n <= avgSize}: the top {@code log2(avgSize) + 2} bits must be zero (stricter);</li>
 *   <li>{@code avgSize < n < maxSize}: the top {@code log2(avgSize) - 2} bits must be zero (looser);</li>
 *   <li>{@code n = maxSize}: always a cut point.</li>
 * </ul>
 * The two masks are what concentrates chunk sizes around {@code avgSize}. The top bits are tested, not the low
 * ones, because in a gear hash bit {@code k} only depends on the last {@code k + 1} bytes, so only the top bits
 * see the whole 64-byte window.
 *
 * <p>Instances are immutable and thread-safe. The rules above, together with {@link ChunkerParams} and the
 * {@link GearTable} derivation, are part of the repository format.
 */
public final class Chunker {

    /**
     * Bytes a value stays in the hash: each step shifts left by one, so after 64 steps a byte's contribution has
     * left a 64-bit word entirely, and {@code h} depends on exactly the last 64 bytes whatever came before.
     */
    static final int WINDOW = Long.SIZE;

    private final ChunkerParams params;
    private final long[] gear;
    private final int minSize;
    private final int avgSize;
    private final int maxSize;
    private final long strictMask;
    private final long looseMask;

    /**
     * Creates a chunker.
     *
     * @param params size limits
     * @param gear the keyed gear table of the repository
     */
    public Chunker(ChunkerParams params, GearTable gear) {
        this.params = Objects.requireNonNull(params, "params");
        this.gear = Objects.requireNonNull(gear, "gear").copyValues();
        this.minSize = params.minSize();
        this.avgSize = params.avgSize();
        this.maxSize = params.maxSize();
        int bits = Integer.numberOfTrailingZeros(avgSize);
        this.strictMask = topBits(bits + 2);
        this.looseMask = topBits(bits - 2);
    }

    private static long topBits(int count) {
        return -1L << (Long.SIZE - count);
    }

    /** The size limits this chunker cuts with. */
    public ChunkerParams params() {
        return params;
    }

    /**
     * Finds the end of the chunk that starts at {@code buf[off]}.
     *
     * <p>The answer depends only on the bytes inspected, so a caller that gets {@code -1} can retry with more data
     * and will never see a cut earlier than {@code len}; a cut found within a prefix is the same cut found with
     * more data.
     *
     * @param buf data
     * @param off start of the chunk in {@code buf}
     * @param len number of bytes available from {@code off}
     * @return the chunk length {@code n}, {@code minSize <= n <= maxSize}, if a cut point lies within the
     *     {@code len} bytes (always so when {@code len >= maxSize}); {@code -1} if none does and
     *     {@code len < maxSize} - then the caller must supply more data or, at end of input, take all
     *     {@code len} bytes as the last chunk
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code buf}
     */
    public int findBoundary(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len < minSize) {
            return -1;
        }
        final long[] g = gear;
        final int limit = off + Math.min(len, maxSize);
        final int normal = off + Math.min(len, avgSize);
        // Bytes before minSize - WINDOW cannot influence the hash at any allowed cut point (see WINDOW), so
        // skipping them gives exactly the cuts a full scan would, minus the work.
        int i = off + minSize - WINDOW;
        final int firstCandidate = off + minSize - 1;
        long h = 0;
        for (; i < firstCandidate; i++) {
            h = (h << 1) + g[buf[i] & 0xff];
        }
        final long strict = strictMask;
        for (; i < normal; i++) {
            h = (h << 1) + g[buf[i] & 0xff];
            if ((h & strict) == 0) {
                return i - off + 1;
            }
        }
        final long loose = looseMask;
        for (; i < limit; i++) {
            h = (h << 1) + g[buf[i] & 0xff];
            if ((h & loose) == 0) {
                return i - off + 1;
            }
        }
        return len >= maxSize ? maxSize : -1;
    }
}
