package dr.summit.repository.blob;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A 32-byte blob id: HMAC-SHA256 of the plaintext under the repository's id key, so ids reveal
 * nothing about content to someone without the key. Immutable.
 */
public final class BlobId implements Comparable<BlobId> {
    public static final int BYTES = 32;
    private final byte[] bytes;
    private final int hash;

    private BlobId(byte[] bytes) {
        this.bytes = bytes;
        // Ids are uniformly distributed: the first four bytes are a perfect hash code.
        this.hash = ((bytes[0] & 0xFF) << 24) | ((bytes[1] & 0xFF) << 16) | ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
    }

    public static BlobId of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("blob id must be 32 bytes, got " + bytes.length);
        }
        return new BlobId(bytes.clone());
    }

    public static BlobId of(byte[] buf, int offset) {
        return new BlobId(Arrays.copyOfRange(buf, offset, offset + BYTES));
    }

    public static BlobId parse(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("blob id must be 64 hex digits: " + hex);
        }
        return new BlobId(HexFormat.of().parseHex(hex));
    }

    /** A copy of the id bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public void copyTo(byte[] dst, int offset) {
        System.arraycopy(bytes, 0, dst, offset, BYTES);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** First 8 hex digits, for messages and listings. */
    public String shortHex() {
        return hex().substring(0, 8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlobId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(BlobId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
