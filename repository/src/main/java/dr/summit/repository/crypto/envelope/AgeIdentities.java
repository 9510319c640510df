package dr.summit.repository.crypto.envelope;

import com.exceptionfactory.jagged.FileKey;
import com.exceptionfactory.jagged.RecipientStanza;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;

import java.nio.CharBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The X25519 identities of an age identity file (the format age-keygen writes: {@code AGE-SECRET-KEY-1…}
 * lines, {@code #} comments, blank lines). Holds the secrets until {@link #close()} zeroes them.
 */
public final class AgeIdentities implements AutoCloseable {
    static final String PREFIX = "AGE-SECRET-KEY-1";

    private final List<char[]> secrets;
    private final List<RecipientStanzaReader> readers;

    private AgeIdentities(List<char[]> secrets, List<RecipientStanzaReader> readers) {
        this.secrets = secrets;
        this.readers = readers;
    }

    /** Whether {@code text} looks like an age identity file (so a caller can tell it from an OpenPGP key). */
    public static boolean looksLikeIdentityFile(char[] text) {
        for (int i = 0; i + PREFIX.length() <= text.length; i++) {
            if ((i == 0 || text[i - 1] == '\n') && CharBuffer.wrap(text, i, PREFIX.length()).toString().equals(PREFIX)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses an identity file. Errors name the line number, never its content (it is a secret).
     *
     * @throws EnvelopeException ({@link Reason#INVALID_KEY}) for a line that is not an X25519 identity, or no identity at all
     */
    public static AgeIdentities parse(char[] text) {
        List<char[]> secrets = new ArrayList<>();
        List<RecipientStanzaReader> readers = new ArrayList<>();
        int lineNumber = 0;
        int start = 0;
        try {
            while (start <= text.length) {
                int end = start;
                while (end < text.length && text[end] != '\n') {
                    end++;
                }
                lineNumber++;
                int trimmedEnd = end;
                while (trimmedEnd > start && Character.isWhitespace(text[trimmedEnd - 1])) {
                    trimmedEnd--;
                }
                int trimmedStart = start;
                while (trimmedStart < trimmedEnd && Character.isWhitespace(text[trimmedStart])) {
                    trimmedStart++;
                }
                if (trimmedStart < trimmedEnd && text[trimmedStart] != '#') {
                    char[] line = Arrays.copyOfRange(text, trimmedStart, trimmedEnd);
                    secrets.add(line);
                    readers.add(reader(line, lineNumber));
                }
                start = end + 1;
            }
        } catch (EnvelopeException e) {
            secrets.forEach(s -> Arrays.fill(s, '\0'));
            throw e;
        }
        if (secrets.isEmpty()) {
            throw new EnvelopeException(Reason.INVALID_KEY, "no age identity (AGE-SECRET-KEY-1…) found");
        }
        return new AgeIdentities(secrets, readers);
    }

    private static RecipientStanzaReader reader(char[] line, int lineNumber) {
        String start = new String(line, 0, Math.min(line.length, PREFIX.length()));
        if (!start.equals(PREFIX)) {
            String what = start.startsWith("AGE-PLUGIN-") ? "plugin identities are not supported"
                    : start.startsWith("-----BEGIN") ? "SSH and other PEM keys are not supported"
                    : "not an age X25519 identity (AGE-SECRET-KEY-1…)";
            throw new EnvelopeException(Reason.INVALID_KEY, "line " + lineNumber + ": " + what);
        }
        try {
            return X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(CharBuffer.wrap(line));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new EnvelopeException(Reason.INVALID_KEY, "line " + lineNumber + ": invalid age identity (bad encoding or checksum)");
        }
    }

    /** How many identities the file holds. */
    public int size() {
        return secrets.size();
    }

    /** The recipient ({@code age1…}) of each identity, in file order. */
    public List<String> recipients() {
        return secrets.stream().map(AgeKeys::recipientOf).toList();
    }

    /**
     * One reader that tries every identity against the X25519 stanzas and reports "no identity
     * matches" when none does; a scrypt stanza means the file needs a passphrase instead.
     */
    RecipientStanzaReader reader() {
        return stanzas -> {
            boolean passphrase = false;
            for (RecipientStanza stanza : stanzas) {
                passphrase |= AgeScryptStanza.TYPE.equals(stanza.getType());
            }
            if (passphrase) {
                throw new AgeStanza.Failure(Reason.PASSPHRASE_REQUIRED, "the file is encrypted with a passphrase, not to a recipient");
            }
            for (RecipientStanzaReader reader : readers) {
                try {
                    FileKey key = reader.getFileKey(stanzas);
                    if (key != null) {
                        return key;
                    }
                } catch (GeneralSecurityException e) {
                    // not this identity; try the next
                }
            }
            throw new AgeStanza.Failure(Reason.NO_MATCHING_IDENTITY, "no identity matches any recipient");
        };
    }

    @Override
    public void close() {
        secrets.forEach(s -> Arrays.fill(s, '\0'));
    }
}
