package dr.summit.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dr.summit.repository.blob.Compression;
import dr.summit.repository.format.ByteWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RepositoryConfigTest {

    private static final byte[] MAC_KEY = TestBytes.random(new Random(120), 32);
    private static final RepositoryConfig CONFIG = new RepositoryConfig("a".repeat(64),
            Instant.parse("2025-11-25T12:34:56.123456789Z"), 256 * 1024, 1024 * 1024, 4 * 1024 * 1024,
            16 * 1024 * 1024, "zstd", 3);

    private static byte[] configBytes(int version, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return new ByteWriter(64).bytes(new byte[]{'S', 'D', 'R', 'C'}).u8(version).u32(b.length).bytes(b)
                .bytes(new byte[32]).toByteArray();
    }

    @Test
    void encodeDecodeRoundTripsAndTheMacVerifies() {
        byte[] bytes = CONFIG.encode(MAC_KEY);
        assertThat(RepositoryConfig.decode(bytes, "/repo")).isEqualTo(CONFIG);
        RepositoryConfig.verifyMac(bytes, MAC_KEY, "/repo");
        assertThat(CONFIG.compressionAlgorithm()).isEqualTo(Compression.ZSTD);
    }

    @Test
    void configStartsWithMagicAndVersionAndIsReadableJson() {
        byte[] bytes = CONFIG.encode(MAC_KEY);
        assertThat(java.util.Arrays.copyOf(bytes, 5)).containsExactly('S', 'D', 'R', 'C', RepositoryConfig.FORMAT_VERSION);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"packSize\"").contains("\"zstd\"");
    }

    @Test
    void macUnderAnotherKeyIsRejected() {
        byte[] bytes = CONFIG.encode(MAC_KEY);
        byte[] otherKey = TestBytes.flipBit(MAC_KEY, 3);
        assertThatThrownBy(() -> RepositoryConfig.verifyMac(bytes, otherKey, "/repo"))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessage("config of /repo: authentication failed (altered, or keys of another repository)");
    }

    @Test
    void everyFlippedBitIsRefusedByDecodeOrByTheMac() {
        byte[] bytes = CONFIG.encode(MAC_KEY);
        for (int bit = 0; bit < bytes.length * 8; bit++) {
            byte[] damaged = TestBytes.flipBit(bytes, bit);
            Throwable thrown = catchThrowable(() -> {
                RepositoryConfig.decode(damaged, "/repo");
                RepositoryConfig.verifyMac(damaged, MAC_KEY, "/repo");
            });
            assertThat(thrown).as(TestBytes.describeBit(bit)).isInstanceOf(RepositoryException.class);
        }
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] bytes = CONFIG.encode(MAC_KEY);
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = TestBytes.truncate(bytes, length);
            assertThatThrownBy(() -> RepositoryConfig.decode(cut, "/repo"))
                    .as("truncated to %d", length)
                    .isInstanceOf(length < 4 ? NotARepositoryException.class : CorruptObjectException.class);
        }
    }

    @Test
    void foreignBytesAreNotARepository() {
        for (String foreign : new String[]{"", "PK\u0003\u0004", "{\"repositoryId\":\"x\"}", "SDR", "sdrc\u0001"}) {
            assertThatThrownBy(() -> RepositoryConfig.decode(foreign.getBytes(StandardCharsets.ISO_8859_1), "/some/dir"))
                    .as("'%s'", foreign)
                    .isInstanceOf(NotARepositoryException.class)
                    .hasMessageContaining("/some/dir is not a Summit DR repository");
        }
    }

    @Test
    void unknownVersionIsReportedWithTheVersion() {
        byte[] bytes = CONFIG.encode(MAC_KEY);
        bytes[4] = 7;
        assertThatThrownBy(() -> RepositoryConfig.decode(bytes, "/repo"))
                .isInstanceOf(RepositoryException.class)
                .isNotInstanceOf(NotARepositoryException.class)
                .isNotInstanceOf(CorruptObjectException.class)
                .hasMessageContaining("repository format version 7 is not supported")
                .hasMessageContaining("reads version 1");
    }

    @Test
    void invalidSettingsAreRejected() {
        String[] bodies = {
                "{\"repositoryId\":\"x\",\"chunkerMin\":0,\"chunkerAvg\":2,\"chunkerMax\":3,\"packSize\":1}",
                "{\"repositoryId\":\"x\",\"chunkerMin\":2,\"chunkerAvg\":2,\"chunkerMax\":3,\"packSize\":1}",
                "{\"repositoryId\":\"x\",\"chunkerMin\":1,\"chunkerAvg\":2,\"chunkerMax\":2,\"packSize\":1}",
                "{\"repositoryId\":\"x\",\"chunkerMin\":1,\"chunkerAvg\":2,\"chunkerMax\":3,\"packSize\":0}",
                "{\"chunkerMin\":1,\"chunkerAvg\":2,\"chunkerMax\":3,\"packSize\":1}",
        };
        for (String body : bodies) {
            assertThatThrownBy(() -> RepositoryConfig.decode(configBytes(1, body), "/repo"))
                    .as(body).isInstanceOf(CorruptObjectException.class).hasMessage("config of /repo: invalid settings");
        }
        assertThat(RepositoryConfig.decode(configBytes(1,
                "{\"repositoryId\":\"x\",\"chunkerMin\":1,\"chunkerAvg\":2,\"chunkerMax\":3,\"packSize\":1,\"future\":true}"),
                "/repo").repositoryId()).isEqualTo("x");
    }

    @Test
    void malformedJsonBodyIsCorrupt() {
        for (String body : new String[]{"", "{", "[]", "{\"packSize\":\"big\"}", "\u00ff\u00fe"}) {
            assertThatThrownBy(() -> RepositoryConfig.decode(configBytes(1, body), "/repo"))
                    .as("'%s'", body).isInstanceOf(CorruptObjectException.class);
        }
    }

    /** The config is plaintext and read before any key is known; a JSON null body must not become a NullPointerException. */
    @Test
    void jsonNullBodyIsCorrupt() {
        assertThatThrownBy(() -> RepositoryConfig.decode(configBytes(1, "null"), "/repo"))
                .isInstanceOf(CorruptObjectException.class);
    }
}
