package dr.summit.repository;

import dr.summit.repository.blob.BlobId;

import java.util.Arrays;
import java.util.Random;

/** Test data helpers shared by the repository tests: random, compressible and corrupted bytes. */
public final class TestBytes {
    private TestBytes() {
    }

    public static byte[] random(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** Text-like bytes from a small alphabet with repeats: compresses well under zstd and lz4. */
    public static byte[] compressible(Random random, int length) {
        byte[] b = new byte[length];
        byte[] alphabet = "abcdefgh \n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int i = 0;
        while (i < length) {
            if (i > 16 && random.nextInt(3) == 0) {
                int from = random.nextInt(i - 8);
                int n = Math.min(length - i, 4 + random.nextInt(32));
                for (int k = 0; k < n; k++) {
                    b[i + k] = b[from + k % (i - from)];
                }
                i += n;
            } else {
                b[i++] = alphabet[random.nextInt(alphabet.length)];
            }
        }
        return b;
    }

    public static BlobId randomId(Random random) {
        return BlobId.of(random(random, BlobId.BYTES));
    }

    /** A copy of {@code b} with bit {@code bit} (0 = most significant bit of byte 0) inverted. */
    public static byte[] flipBit(byte[] b, int bit) {
        byte[] copy = b.clone();
        copy[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        return copy;
    }

    public static byte[] truncate(byte[] b, int length) {
        return Arrays.copyOf(b, length);
    }

    public static String describeBit(int bit) {
        return "bit " + bit + " (byte " + bit / 8 + ")";
    }
}
