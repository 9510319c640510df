package dr.summit.repository.crypto.envelope;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The two envelope formats, and how to tell them apart from the first bytes of an input. */
public enum EnvelopeFormat {
    AGE, PGP;

    /** How many bytes {@link #detect(BufferedInputStream)} looks at (leading whitespace before armor included). */
    static final int PEEK_BYTES = 1024;

    private static final byte[] AGE_BINARY = "age-encryption.org/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PGP_ARMOR = "-----BEGIN PGP MESSAGE-----".getBytes(StandardCharsets.US_ASCII);

    /** OpenPGP packet tags a message may start with: PKESK (1), SKESK (3), marker (10). */
    private static final int[] PGP_FIRST_TAGS = {1, 3, 10};

    /** A detected format and whether the input is ASCII-armored. */
    public record Detected(EnvelopeFormat format, boolean armored) {
    }

    /**
     * Looks at the first bytes of {@code in} without consuming them (mark/reset).
     *
     * @return empty when the input is neither an age file nor an encrypted OpenPGP message
     */
    public static Optional<Detected> detect(BufferedInputStream in) throws IOException {
        in.mark(PEEK_BYTES);
        byte[] head = new byte[PEEK_BYTES];
        int length = 0;
        try {
            while (length < head.length) {
                int n = in.read(head, length, head.length - length);
                if (n < 0) {
                    break;
                }
                length += n;
            }
        } finally {
            in.reset();
        }
        return detect(head, length);
    }

    /** Detection on bytes already read; see {@link #detect(BufferedInputStream)}. */
    public static Optional<Detected> detect(byte[] head, int length) {
        if (startsWith(head, length, 0, AGE_BINARY)) {
            return Optional.of(new Detected(AGE, false));
        }
        if (length > 0 && (head[0] & 0x80) != 0) {
            int tag = (head[0] & 0x40) != 0 ? head[0] & 0x3f : (head[0] >> 2) & 0x0f;
            for (int first : PGP_FIRST_TAGS) {
                if (tag == first) {
                    return Optional.of(new Detected(PGP, false));
                }
            }
            return Optional.empty();
        }
        // Armor may follow blank lines or spaces (both age and gpg accept that).
        int start = 0;
        while (start < length && Character.isWhitespace(head[start])) {
            start++;
        }
        if (startsWith(head, length, start, AGE_ARMOR)) {
            return Optional.of(new Detected(AGE, true));
        }
        if (startsWith(head, length, start, PGP_ARMOR)) {
            return Optional.of(new Detected(PGP, true));
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] head, int length, int offset, byte[] prefix) {
        if (length - offset < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
