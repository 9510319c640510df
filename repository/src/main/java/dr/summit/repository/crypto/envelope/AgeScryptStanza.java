package dr.summit.repository.crypto.envelope;

import com.exceptionfactory.jagged.FileKey;
import com.exceptionfactory.jagged.RecipientStanza;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The age passphrase recipient (age-encryption.org/v1, "The scrypt recipient type"):
 * <pre>
 * -&gt; scrypt SALT LOG2_N
 * BODY = ChaCha20-Poly1305(key = scrypt(passphrase, "age-encryption.org/v1/scrypt" || SALT, N, r=8, p=1, 32 bytes),
 *                          nonce = 12 zero bytes, file key)
 * </pre>
 * SALT is 16 random bytes in unpadded base64; the stanza must be the only one in its header (a
 * passphrase file has no other recipients, so nobody can add one unnoticed). jagged 1.0 has no
 * scrypt module on Maven Central, so this plugs into its stanza interfaces.
 */
final class AgeScryptStanza {
    static final String TYPE = "scrypt";
    private static final byte[] SALT_LABEL = "age-encryption.org/v1/scrypt".getBytes(StandardCharsets.US_ASCII);
    private static final int SALT_BYTES = 16;
    private static final int FILE_KEY_BYTES = 16;
    private static final int TAG_BYTES = 16;
    private static final int BLOCK_SIZE = 8;
    private static final byte[] ZERO_NONCE = new byte[12];
    private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();

    private AgeScryptStanza() {
    }

    /**
     * Writes one scrypt stanza wrapping the file key under {@code passphrase} with N = 2^workFactor.
     * The caller owns {@code passphrase} and zeroes it after encryption.
     */
    static RecipientStanzaWriter writer(char[] passphrase, int workFactor, SecureRandom random) {
        if (workFactor < 1 || workFactor > 30) {
            throw new IllegalArgumentException("scrypt work factor must be between 1 and 30, not " + workFactor);
        }
        return fileKey -> {
            byte[] salt = new byte[SALT_BYTES];
            random.nextBytes(salt);
            byte[] wrapKey = wrapKey(passphrase, salt, workFactor);
            byte[] plainKey = fileKey.getEncoded();
            try {
                byte[] body = chacha(true, wrapKey, plainKey);
                return List.of(new AgeStanza(TYPE, List.of(BASE64.encodeToString(salt), Integer.toString(workFactor)), body));
            } catch (InvalidCipherTextException e) {
                throw new IllegalStateException("ChaCha20-Poly1305 failed to encrypt", e);
            } finally {
                Arrays.fill(wrapKey, (byte) 0);
                Arrays.fill(plainKey, (byte) 0);
            }
        };
    }

    /**
     * Reads the file key from a header holding one scrypt stanza; refuses work factors above
     * {@code maxWorkFactor} (as age does) and ones the heap cannot hold.
     */
    static RecipientStanzaReader reader(char[] passphrase, int maxWorkFactor) {
        return stanzas -> {
            List<RecipientStanza> all = new ArrayList<>();
            stanzas.forEach(all::add);
            RecipientStanza scrypt = all.stream().filter(s -> TYPE.equals(s.getType())).findFirst()
                    .orElseThrow(() -> new AgeStanza.Failure(Reason.NO_MATCHING_IDENTITY,
                            "the file is not passphrase-encrypted (it has no scrypt recipient)"));
            if (all.size() != 1) {
                throw new AgeStanza.Failure(Reason.MALFORMED, "a scrypt recipient must be the only recipient of an age file");
            }
            List<String> args = scrypt.getArguments();
            if (args.size() != 2) {
                throw new AgeStanza.Failure(Reason.MALFORMED, "scrypt recipient: expected 2 arguments, found " + args.size());
            }
            byte[] salt = canonicalBase64(args.get(0));
            if (salt == null || salt.length != SALT_BYTES) {
                throw new AgeStanza.Failure(Reason.MALFORMED, "scrypt recipient: invalid salt");
            }
            int workFactor = workFactor(args.get(1), maxWorkFactor);
            byte[] body = scrypt.getBody();
            if (body.length != FILE_KEY_BYTES + TAG_BYTES) {
                throw new AgeStanza.Failure(Reason.MALFORMED, "scrypt recipient: body is " + body.length + " bytes, not 32");
            }
            byte[] wrapKey = wrapKey(passphrase, salt, workFactor);
            try {
                // FileKey keeps this array (no copy) and jagged destroys it once the payload key is derived.
                return new FileKey(chacha(false, wrapKey, body));
            } catch (InvalidCipherTextException e) {
                throw new AgeStanza.Failure(Reason.WRONG_PASSPHRASE, "wrong passphrase");
            } finally {
                Arrays.fill(wrapKey, (byte) 0);
            }
        };
    }

    private static int workFactor(String text, int max) throws AgeStanza.Failure {
        // Decimal without a sign or leading zeros, as the spec requires.
        if (!text.matches("[1-9][0-9]?")) {
            throw new AgeStanza.Failure(Reason.MALFORMED, "scrypt recipient: invalid work factor");
        }
        int workFactor = Integer.parseInt(text);
        if (workFactor > max) {
            throw new AgeStanza.Failure(Reason.UNSUPPORTED,
                    "scrypt work factor " + workFactor + " is above the maximum " + max);
        }
        long needed = 128L * BLOCK_SIZE << workFactor;
        long heap = Runtime.getRuntime().maxMemory();
        if (needed > heap - heap / 4) {
            throw new AgeStanza.Failure(Reason.UNSUPPORTED, "scrypt work factor " + workFactor + " needs "
                    + (needed >> 20) + " MiB of memory; raise the heap (SUMMIT_JAVA_OPTS=-Xmx…)");
        }
        return workFactor;
    }

    private static byte[] wrapKey(char[] passphrase, byte[] salt, int workFactor) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] password = new byte[encoded.remaining()];
        encoded.get(password);
        Arrays.fill(encoded.array(), (byte) 0);
        byte[] labelledSalt = new byte[SALT_LABEL.length + salt.length];
        System.arraycopy(SALT_LABEL, 0, labelledSalt, 0, SALT_LABEL.length);
        System.arraycopy(salt, 0, labelledSalt, SALT_LABEL.length, salt.length);
        try {
            return SCrypt.generate(password, labelledSalt, 1 << workFactor, BLOCK_SIZE, 1, 32);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private static byte[] chacha(boolean encrypt, byte[] key, byte[] input) throws InvalidCipherTextException {
        ChaCha20Poly1305 cipher = new ChaCha20Poly1305();
        cipher.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BYTES * 8, ZERO_NONCE));
        byte[] out = new byte[cipher.getOutputSize(input.length)];
        int n = cipher.processBytes(input, 0, input.length, out, 0);
        cipher.doFinal(out, n);
        return out;
    }

    /** Unpadded standard base64 that re-encodes to the same text, or null. */
    private static byte[] canonicalBase64(String text) {
        try {
            byte[] decoded = Base64.getDecoder().decode(text);
            return BASE64.encodeToString(decoded).equals(text) ? decoded : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
