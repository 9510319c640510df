package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.TestBytes;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyringTest {

    private static final Instant NOW = Instant.parse("2025-11-25T12:00:00Z");

    @Test
    void generatedKeyringHasDistinctRandomKeysAndEpochOne() {
        Keyring a = Keyring.generate(NOW);
        Keyring b = Keyring.generate(NOW);
        assertThat(a.currentEpoch()).isEqualTo(1);
        assertThat(a.epochs()).containsOnlyKeys(1);
        assertThat(a.epochs().get(1).created()).isEqualTo(NOW);
        for (byte[] key : new byte[][]{a.idKey(), a.chunkerKey(), a.configMacKey(), a.dataKey(1)}) {
            assertThat(key).hasSize(32);
        }
        assertThat(a.idKey()).isNotEqualTo(a.chunkerKey()).isNotEqualTo(a.configMacKey()).isNotEqualTo(a.dataKey(1));
        assertThat(a.idKey()).isNotEqualTo(b.idKey());
        assertThat(a.dataKey(1)).isNotEqualTo(b.dataKey(1));
    }

    @Test
    void encodeDecodeRoundTrips() {
        for (int i = 0; i < 50; i++) {
            Keyring k = Keyring.generate(NOW.plusSeconds(i));
            Keyring back = Keyring.decode(k.encode(), "keyring");
            assertThat(back.idKey()).isEqualTo(k.idKey());
            assertThat(back.chunkerKey()).isEqualTo(k.chunkerKey());
            assertThat(back.configMacKey()).isEqualTo(k.configMacKey());
            assertThat(back.currentEpoch()).isEqualTo(1);
            assertThat(back.dataKey(1)).isEqualTo(k.dataKey(1));
            assertThat(back.epochs().get(1).created()).isEqualTo(NOW.plusSeconds(i));
            assertThat(back.encode()).isEqualTo(k.encode());
        }
    }

    @Test
    void sealedKeyringRoundTripsUnderItsKeyringKey() {
        Random random = new Random(100);
        Keyring k = Keyring.generate(NOW);
        byte[] keyringKey = TestBytes.random(random, 32);
        byte[] sealed = SealedObject.seal(keyringKey, 0, SealedObject.Kind.KEYRING, "keys/keyring/ab", k.encode());
        Keyring back = Keyring.decode(SealedObject.open(keyringKey, SealedObject.Kind.KEYRING, "keys/keyring/ab", sealed), "k");
        assertThat(back.dataKey(1)).isEqualTo(k.dataKey(1));
    }

    @Test
    void everyTruncationAndTrailingBytesAreCorrupt() {
        byte[] bytes = Keyring.generate(NOW).encode();
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = TestBytes.truncate(bytes, length);
            assertThatThrownBy(() -> Keyring.decode(cut, "keys/keyring/x"))
                    .as("truncated to %d", length)
                    .isInstanceOf(CorruptObjectException.class).hasMessageStartingWith("keys/keyring/x: ");
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> Keyring.decode(longer, "k")).isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void foreignOrFutureKeyringsAreRefused() {
        byte[] bytes = Keyring.generate(NOW).encode();
        byte[] magic = bytes.clone();
        magic[3] = 'X';
        assertThatThrownBy(() -> Keyring.decode(magic, "k"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("k: not a keyring (bad magic)");
        byte[] v2 = bytes.clone();
        v2[4] = 2;
        assertThatThrownBy(() -> Keyring.decode(v2, "k"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unsupported keyring version 2");
    }

    @Test
    void currentEpochMustBeInTheKeyring() {
        byte[] bytes = Keyring.generate(NOW).encode();
        ByteBuffer.wrap(bytes).putInt(4 + 1 + 3 * 32, 2);
        assertThatThrownBy(() -> Keyring.decode(bytes, "k"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("current epoch 2 missing");
    }

    @Test
    void unknownEpochIsReportedClearly() {
        Keyring k = Keyring.generate(NOW);
        assertThatThrownBy(() -> k.dataKey(5))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("data-key epoch 5 is not in the keyring");
    }

    @Test
    void closeWipesEveryKey() {
        Keyring k = Keyring.generate(NOW);
        byte[] id = k.idKey();
        byte[] data = k.dataKey(1);
        k.close();
        assertThat(id).containsOnly(0);
        assertThat(data).containsOnly(0);
        assertThat(k.chunkerKey()).containsOnly(0);
        assertThat(k.configMacKey()).containsOnly(0);
    }

    @Test
    void epochsViewIsReadOnly() {
        Keyring k = Keyring.generate(NOW);
        assertThatThrownBy(() -> k.epochs().remove(1)).isInstanceOf(UnsupportedOperationException.class);
    }
}
