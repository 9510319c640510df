package dr.summit.repository.crypto.envelope;

import com.exceptionfactory.jagged.x25519.X25519KeyFactory;
import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;

import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;

/** age X25519 key pairs: generation and the identity file text age-keygen writes. */
public final class AgeKeys {
    private AgeKeys() {
    }

    /** A new identity ({@code AGE-SECRET-KEY-1…}, zero it when done) and its recipient ({@code age1…}). */
    public record KeyPair(char[] identity, String recipient) {
        /**
         * The identity file, byte for byte in age-keygen's layout:
         * {@code # created: RFC 3339 time}, {@code # public key: age1…}, the identity.
         */
        public char[] identityFile(OffsetDateTime created) {
            String head = "# created: " + created.truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    + "\n# public key: " + recipient + "\n";
            char[] file = new char[head.length() + identity.length + 1];
            head.getChars(0, head.length(), file, 0);
            System.arraycopy(identity, 0, file, head.length(), identity.length);
            file[file.length - 1] = '\n';
            return file;
        }
    }

    public static KeyPair generate() {
        try {
            java.security.KeyPair pair = new X25519KeyPairGenerator().generateKeyPair();
            byte[] secret = pair.getPrivate().getEncoded();
            try {
                char[] identity = new char[secret.length];
                for (int i = 0; i < secret.length; i++) {
                    identity[i] = (char) (secret[i] & 0x7f);
                }
                return new KeyPair(identity, new String(pair.getPublic().getEncoded(), StandardCharsets.US_ASCII));
            } finally {
                Arrays.fill(secret, (byte) 0);
                try {
                    pair.getPrivate().destroy();
                } catch (javax.security.auth.DestroyFailedException e) {
                    // jagged's key zeroes itself; a provider that cannot is no reason to fail
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate X25519 keys", e);
        }
    }

    /** The recipient ({@code age1…}) of an identity ({@code AGE-SECRET-KEY-1…}). */
    public static String recipientOf(char[] identity) {
        ByteBuffer encoded = StandardCharsets.US_ASCII.encode(CharBuffer.wrap(identity));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Arrays.fill(encoded.array(), (byte) 0);
        try {
            Key publicKey = new X25519KeyFactory().translateKey(new SecretKeySpec(bytes, "X25519"));
            return new String(publicKey.getEncoded(), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new EnvelopeException(Reason.INVALID_KEY, "invalid age identity (bad encoding or checksum)");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
