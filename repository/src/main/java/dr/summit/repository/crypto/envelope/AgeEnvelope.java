package dr.summit.repository.crypto.envelope;

import com.exceptionfactory.jagged.DecryptingChannelFactory;
import com.exceptionfactory.jagged.EncryptingChannelFactory;
import com.exceptionfactory.jagged.PayloadException;
import com.exceptionfactory.jagged.RecipientStanza;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.armor.ArmoredDecodingException;
import com.exceptionfactory.jagged.framework.armor.ArmoredDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.armor.ArmoredEncryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;

import java.io.BufferedInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.SignatureException;
import java.util.ArrayList;
import java.util.List;

/**
 * age v1 files (age-encryption.org/v1), binary or ASCII-armored, streamed in both directions.
 * <p>
 * The payload is STREAM-encrypted in 64 KiB chunks, each authenticated on its own and the last one
 * flagged, so a reader learns about modification at the chunk that was changed and about
 * truncation at the end. {@link #decrypt} therefore writes only authenticated chunks to its output
 * but may already have written some when it throws: callers that must not expose a partial result
 * write to a temporary file and publish it after {@code decrypt} returned.
 */
public final class AgeEnvelope {
    /** The work factor (log2 N) age itself uses for passphrases. */
    public static final int DEFAULT_WORK_FACTOR = 18;
    /** The largest work factor age accepts when decrypting (a hostile file cannot make us spend more). */
    public static final int MAX_WORK_FACTOR = 22;

    private static final int BUFFER = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgeEnvelope() {
    }

    /** Checks an {@code age1…} recipient string, so a typo is reported before any input is read. */
    public static void checkRecipient(String recipient) {
        writer(recipient);
    }

    /** Encrypts {@code in} to one or more X25519 recipients ({@code age1…}); {@code out} is flushed, not closed. */
    public static void encrypt(InputStream in, OutputStream out, List<String> recipients, boolean armor) throws IOException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("at least one recipient is needed");
        }
        List<RecipientStanzaWriter> writers = new ArrayList<>();
        for (String recipient : recipients) {
            writers.add(writer(recipient));
        }
        encryptWith(in, out, writers, armor);
    }

    /**
     * Encrypts {@code in} under a passphrase (one scrypt stanza, N = 2^workFactor). The caller owns
     * {@code passphrase} and zeroes it afterwards.
     */
    public static void encryptWithPassphrase(InputStream in, OutputStream out, char[] passphrase, int workFactor,
                                             boolean armor) throws IOException {
        if (passphrase.length == 0) {
            throw new IllegalArgumentException("empty passphrase");
        }
        encryptWith(in, out, List.of(AgeScryptStanza.writer(passphrase, workFactor, RANDOM)), armor);
    }

    /**
     * Decrypts an age file (binary or armored, told apart by its first line) with the given identities
     * or passphrase (either may be null). Writes plaintext to {@code out} one authenticated chunk at a
     * time; {@code out} is flushed, not closed.
     *
     * @throws EnvelopeException when no identity or passphrase opens the file, or it is damaged
     * @throws IOException       when reading or writing fails
     */
    public static void decrypt(InputStream in, OutputStream out, AgeIdentities identities, char[] passphrase) throws IOException {
        BufferedInputStream buffered = in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, BUFFER);
        EnvelopeFormat.Detected detected = EnvelopeFormat.detect(buffered)
                .filter(d -> d.format() == EnvelopeFormat.AGE)
                .orElseThrow(() -> new EnvelopeException(Reason.MALFORMED, "not an age file"));
        DecryptingChannelFactory factory = detected.armored() ? new ArmoredDecryptingChannelFactory() : new StandardDecryptingChannelFactory();
        RecipientStanzaReader reader = reader(identities, passphrase);
        ReadableByteChannel plain;
        try {
            plain = factory.newDecryptingChannel(Channels.newChannel(buffered), List.of(reader));
        } catch (GeneralSecurityException e) {
            throw headerFailure(e);
        } catch (ArmoredDecodingException e) {
            throw new EnvelopeException(Reason.MALFORMED, "invalid ASCII armor: " + e.getMessage(), e);
        } catch (PayloadException e) {
            throw new EnvelopeException(Reason.TRUNCATED, "truncated: the file ends after its header", e);
        }
        try (plain) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            while (plain.read(buffer) >= 0) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            out.write(buffer.array(), 0, buffer.position());
            out.flush();
        } catch (PayloadException e) {
            throw new EnvelopeException(Reason.AUTHENTICATION_FAILED,
                    "authentication failed: the payload was modified or is truncated", e);
        } catch (ArmoredDecodingException e) {
            throw new EnvelopeException(Reason.MALFORMED, "invalid ASCII armor: " + e.getMessage(), e);
        }
    }

    private static RecipientStanzaReader reader(AgeIdentities identities, char[] passphrase) {
        RecipientStanzaReader scrypt = passphrase == null ? null : AgeScryptStanza.reader(passphrase, MAX_WORK_FACTOR);
        RecipientStanzaReader x25519 = identities == null ? null : identities.reader();
        // One reader that dispatches on the stanzas present, so the error says what was missing.
        return stanzas -> {
            boolean isPassphraseFile = false;
            for (RecipientStanza stanza : stanzas) {
                isPassphraseFile |= AgeScryptStanza.TYPE.equals(stanza.getType());
            }
            if (isPassphraseFile) {
                if (scrypt == null) {
                    throw new AgeStanza.Failure(Reason.PASSPHRASE_REQUIRED, "the file is encrypted with a passphrase, not to a recipient");
                }
                return scrypt.getFileKey(stanzas);
            }
            if (x25519 == null) {
                throw new AgeStanza.Failure(Reason.NO_MATCHING_IDENTITY,
                        "the file is encrypted to recipients, not with a passphrase: give an identity");
            }
            return x25519.getFileKey(stanzas);
        };
    }

    private static EnvelopeException headerFailure(GeneralSecurityException e) {
        if (e instanceof AgeStanza.Failure failure) {
            return failure.envelope();
        }
        if (e instanceof SignatureException) {
            return new EnvelopeException(Reason.AUTHENTICATION_FAILED, "authentication failed: the header was modified", e);
        }
        return new EnvelopeException(Reason.MALFORMED, "invalid age header: " + e.getMessage(), e);
    }

    private static RecipientStanzaWriter writer(String recipient) {
        if (!recipient.startsWith("age1")) {
            String what = recipient.startsWith("ssh-") ? "SSH recipients are not supported"
                    : "not an age X25519 recipient (age1…)";
            throw new EnvelopeException(Reason.INVALID_KEY, "recipient " + recipient + ": " + what);
        }
        try {
            return X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(recipient);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new EnvelopeException(Reason.INVALID_KEY, "recipient " + recipient + ": invalid encoding or checksum");
        }
    }

    private static void encryptWith(InputStream in, OutputStream out, List<RecipientStanzaWriter> writers, boolean armor) throws IOException {
        EncryptingChannelFactory factory = armor ? new ArmoredEncryptingChannelFactory() : new StandardEncryptingChannelFactory();
        // jagged closes the channel it writes to; the caller owns out.
        WritableByteChannel sink = Channels.newChannel(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        });
        try (WritableByteChannel encrypting = factory.newEncryptingChannel(sink, writers)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                encrypting.write(ByteBuffer.wrap(buffer, 0, n));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("age encryption failed: " + e.getMessage(), e);
        }
        out.flush();
    }
}
