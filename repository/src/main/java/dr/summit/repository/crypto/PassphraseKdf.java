package dr.summit.repository.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Stretches a passphrase into a 32-byte key-encryption key with Argon2id. */
public final class PassphraseKdf {
    private PassphraseKdf() {
    }

    public static byte[] derive(char[] passphrase, byte[] salt, Argon2Params params) {
        // UTF-8 without an intermediate String, which we could not wipe.
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] password = new byte[encoded.remaining()];
        encoded.get(password);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        try {
            return Argon2id.hash(password, salt, params.memoryKiB(), params.iterations(), params.parallelism(), 32);
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }
}
