package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

/**
 * Our lane-parallel Argon2id must give exactly Bouncy Castle's bytes: every existing key slot was
 * made with Bouncy Castle, and a single differing bit would lock users out of their repositories.
 */
class Argon2idTest {
    @Test
    void matchesBouncyCastleAcrossParameters() {
        Random random = new Random(9106);
        int[][] cases = {{8, 1, 1}, {16, 1, 2}, {32, 2, 1}, {64, 3, 2}, {100, 2, 3}, {256, 4, 4}, {1024, 1, 2},
                {4096, 3, 2}, {37, 2, 4}, {2048, 2, 1}};
        for (int[] c : cases) {
            byte[] password = new byte[random.nextInt(40)];
            byte[] salt = new byte[16];
            random.nextBytes(password);
            random.nextBytes(salt);
            for (int length : new int[]{32, 16, 64, 65, 100}) {
                assertThat(HexFormat.of().formatHex(Argon2id.hash(password, salt, c[0], c[1], c[2], length)))
                        .as("m=%d t=%d p=%d length=%d", c[0], c[1], c[2], length)
                        .isEqualTo(HexFormat.of().formatHex(bouncyCastle(password, salt, c[0], c[1], c[2], length)));
            }
        }
    }

    @Test
    void repositoryDefaultCostMatchesBouncyCastle() {
        char[] passphrase = "correct horse battery staple – ünïcode".toCharArray();
        byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        Argon2Params p = Argon2Params.DEFAULT;
        byte[] ours = PassphraseKdf.derive(passphrase, salt, p);
        Argon2BytesGenerator bc = new Argon2BytesGenerator();
        bc.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(p.memoryKiB()).withIterations(p.iterations()).withParallelism(p.parallelism()).build());
        byte[] expected = new byte[32];
        bc.generateBytes(passphrase, expected);
        assertThat(ours).isEqualTo(expected);
    }

    private static byte[] bouncyCastle(byte[] password, byte[] salt, int memoryKiB, int passes, int lanes, int length) {
        Argon2BytesGenerator bc = new Argon2BytesGenerator();
        bc.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(memoryKiB).withIterations(passes).withParallelism(lanes).build());
        byte[] out = new byte[length];
        bc.generateBytes(password, out);
        return out;
    }
}
