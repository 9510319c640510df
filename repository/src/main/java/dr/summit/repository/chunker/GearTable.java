package dr.summit.repository.chunker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The 256 pseudo-random 64-bit values that drive the chunker's gear hash, derived from the repository's secret
 * chunker key. Keying the table means chunk boundaries, and therefore chunk sizes, cannot be predicted without the
 * key, so the sizes stored in a repository do not fingerprint known content.
 *
 * <p><b>Derivation (part of the on-disk format; changing it changes every chunk id):</b>
 * <pre>
 *   for c = 0 .. 63:
 *     block_c = HMAC-SHA256(key, "summit-dr gear v1" || BE32(c))     // 32 bytes
 *     for j = 0 .. 3:
 *       gear[4*c + j] = BE64(block_c[8*j .. 8*j + 8))
 * </pre>
 * where {@code key} is the 32-byte chunker key used as the HMAC key, {@code "summit-dr gear v1"} is the 17 ASCII
 * bytes of that string (no terminator, no length prefix), {@code BE32(c)} is the counter as a 4-byte big-endian
 * unsigned integer, and {@code BE64} reads 8 bytes as a big-endian two's-complement {@code long}.
 *
 * <p>Instances are immutable and do not retain the key. {@link #toString()} deliberately reveals no values.
 */
public final class GearTable {

    /** Length of the chunker key in bytes. */
    public static final int KEY_LENGTH = 32;

    /** Number of table entries, one per byte value. */
    public static final int SIZE = 256;

    private static final String MAC_ALGORITHM = "HmacSHA256";
    private static final byte[] LABEL = "summit-dr gear v1".getBytes(StandardCharsets.US_ASCII);
    private static final int WORDS_PER_BLOCK = 32 / Long.BYTES;

    private final long[] values;

    private GearTable(long[] values) {
        this.values = values;
    }

    /**
     * Derives the table from the repository's chunker key as described in the class comment.
     *
     * @param key the 32-byte secret chunker key; not retained
     * @return the derived table
     * @throws IllegalArgumentException if the key is not exactly 32 bytes
     */
    public static GearTable derive(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "chunker key must be " + KEY_LENGTH + " bytes, got " + key.length);
        }
        long[] values = new long[SIZE];
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(new SecretKeySpec(key, MAC_ALGORITHM));
            byte[] input = ByteBuffer.allocate(LABEL.length + Integer.BYTES).put(LABEL).array();
            for (int counter = 0; counter < SIZE / WORDS_PER_BLOCK; counter++) {
                ByteBuffer.wrap(input).putInt(LABEL.length, counter);
                ByteBuffer block = ByteBuffer.wrap(mac.doFinal(input));
                for (int j = 0; j < WORDS_PER_BLOCK; j++) {
                    values[counter * WORDS_PER_BLOCK + j] = block.getLong();
                }
            }
        } catch (GeneralSecurityException e) {
            // Every Java SE runtime must provide HmacSHA256, so this means a broken runtime, not bad input.
            throw new IllegalStateException(MAC_ALGORITHM + " unavailable", e);
        }
        return new GearTable(values);
    }

    /**
     * Returns one table entry.
     *
     * @param index a byte value, 0 to 255
     * @return the gear value for that byte
     * @throws IndexOutOfBoundsException if index is outside 0..255
     */
    public long value(int index) {
        return values[Objects.checkIndex(index, SIZE)];
    }

    /** A private copy for the chunker's hot loop, which must not go through {@link #value(int)}. */
    long[] copyValues() {
        return values.clone();
    }

    @Override
    public String toString() {
        return "GearTable[keyed, " + SIZE + " entries]";
    }
}
