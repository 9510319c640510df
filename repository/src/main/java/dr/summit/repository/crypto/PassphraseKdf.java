package dr.summit.repository.crypto;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/** Stretches a passphrase into a 32-byte key-encryption key with Argon2id. */
public final class PassphraseKdf {
    private PassphraseKdf() {
    }

    public static byte[] derive(char[] passphrase, byte[] salt, Argon2Params params) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(params.memoryKiB())
                .withIterations(params.iterations())
                .withParallelism(params.parallelism())
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] key = new byte[32];
        // BC encodes chars as UTF-8 itself; no intermediate String that we could not wipe.
        generator.generateBytes(passphrase, key);
        return key;
    }
}
