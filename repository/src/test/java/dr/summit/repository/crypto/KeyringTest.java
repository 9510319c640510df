package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.TestBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyringTest {

    private static final Instant NOW = Instant.parse("2025-11-25T12:00:00Z");

    @Test
    void generatedKeyringHasDistinctRandomKeysAndOneEpoch() {
        Keyring a = Keyring.generate(NOW);
        Keyring b = Keyring.generate(NOW);
        int epoch = a.currentEpoch();
        assertThat(a.epochs()).containsOnlyKeys(epoch);
        assertThat(a.current().created()).isEqualTo(NOW);
        assertThat(a.generation()).isEqualTo(1);
        assertThat(a.rotationDays()).isEqualTo(90);
        for (byte[] key : new byte[][]{a.idKey(), a.chunkerKey(), a.configMacKey(), a.dataKey(epoch)}) {
            assertThat(key).hasSize(32);
        }
        assertThat(a.idKey()).isNotEqualTo(a.chunkerKey()).isNotEqualTo(a.configMacKey()).isNotEqualTo(a.dataKey(epoch));
        assertThat(a.idKey()).isNotEqualTo(b.idKey());
        assertThat(a.currentEpoch()).isNotEqualTo(b.currentEpoch());
    }

    @Test
    void encodeDecodeRoundTripsThroughRotationsAndDestruction() {
        Random random = new Random(7);
        for (int i = 0; i < 50; i++) {
            Keyring k = Keyring.generate(NOW.plusSeconds(i));
            int rotations = random.nextInt(5);
            for (int r = 0; r < rotations; r++) {
                k = k.rotate(NOW.plusSeconds(i + 1000L * (r + 1)));
            }
            if (rotations > 1 && random.nextBoolean()) {
                k = k.destroy(k.retiredEpochs().subList(0, 1), NOW.plusSeconds(99_999));
            }
            Keyring back = Keyring.decode(k.encode(), "keyring");
            assertThat(back.idKey()).isEqualTo(k.idKey());
            assertThat(back.chunkerKey()).isEqualTo(k.chunkerKey());
            assertThat(back.configMacKey()).isEqualTo(k.configMacKey());
            assertThat(back.currentEpoch()).isEqualTo(k.currentEpoch());
            assertThat(back.epochs().keySet()).isEqualTo(k.epochs().keySet());
            assertThat(back.destroyed()).isEqualTo(k.destroyed());
            assertThat(back.generation()).isEqualTo(k.generation());
            for (int e : k.epochs().keySet()) {
                assertThat(back.dataKey(e)).isEqualTo(k.dataKey(e));
            }
            assertThat(back.encode()).isEqualTo(k.encode());
        }
    }

    @Test
    void rotationStartsANewEpochAndKeepsTheOldOnesReadable() {
        Keyring k = Keyring.generate(NOW);
        int first = k.currentEpoch();
        byte[] firstKey = k.dataKey(first).clone();
        Keyring next = k.rotate(NOW.plus(Duration.ofDays(91)));
        assertThat(next.currentEpoch()).isNotEqualTo(first);
        assertThat(next.dataKey(first)).isEqualTo(firstKey);
        assertThat(next.dataKey(next.currentEpoch())).isNotEqualTo(firstKey);
        assertThat(next.retiredEpochs()).containsExactly(first);
        assertThat(next.generation()).isEqualTo(2);
        assertThat(next.idKey()).isEqualTo(k.idKey());
    }

    @Test
    void rotationIsDueAfterThePeriod() {
        Keyring k = Keyring.generate(NOW);
        assertThat(k.rotationDue(NOW.plus(Duration.ofDays(89)))).isFalse();
        assertThat(k.rotationDue(NOW.plus(Duration.ofDays(90)))).isTrue();
        Keyring weekly = k.withRotationDays(7);
        assertThat(weekly.rotationDue(NOW.plus(Duration.ofDays(7)))).isTrue();
        assertThatThrownBy(() -> k.withRotationDays(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void destroyedEpochsAreGoneAndNamedInErrors() {
        Keyring k = Keyring.generate(NOW);
        int old = k.currentEpoch();
        Keyring rotated = k.rotate(NOW.plusSeconds(10));
        assertThatThrownBy(() -> rotated.destroy(List.of(rotated.currentEpoch()), NOW))
                .isInstanceOf(IllegalArgumentException.class);
        Keyring destroyed = rotated.destroy(List.of(old), NOW.plusSeconds(20));
        assertThat(destroyed.hasEpoch(old)).isFalse();
        assertThat(destroyed.destroyed()).containsKey(old);
        assertThatThrownBy(() -> destroyed.dataKey(old))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("was destroyed on");
    }

    /** Two processes rotating at once (the 90-day policy is checked by every write) must lose nothing. */
    @Test
    void concurrentRotationsMergeToEveryEpochAndOneCurrent() {
        Keyring base = Keyring.generate(NOW);
        Keyring a = base.rotate(NOW.plusSeconds(100));
        Keyring b = base.rotate(NOW.plusSeconds(200));
        Keyring merged = Keyring.merge(List.of(a, b));
        assertThat(merged.epochs().keySet()).containsExactlyInAnyOrder(base.currentEpoch(), a.currentEpoch(), b.currentEpoch());
        assertThat(merged.currentEpoch()).isEqualTo(b.currentEpoch());
        assertThat(Keyring.merge(List.of(b, a)).currentEpoch()).isEqualTo(b.currentEpoch());
        assertThat(merged.dataKey(a.currentEpoch())).isEqualTo(a.dataKey(a.currentEpoch()));
        // A destruction in one of them wins: the key must not come back from the other.
        Keyring c = a.destroy(List.of(base.currentEpoch()), NOW.plusSeconds(300));
        assertThat(Keyring.merge(List.of(c, b)).hasEpoch(base.currentEpoch())).isFalse();
        assertThatThrownBy(() -> Keyring.merge(List.of(a, Keyring.generate(NOW))))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("different repositories");
    }

    @Test
    void sealedKeyringRoundTripsUnderItsKeyringKey() {
        Random random = new Random(100);
        Keyring k = Keyring.generate(NOW);
        byte[] keyringKey = TestBytes.random(random, 32);
        byte[] sealed = SealedObject.seal(keyringKey, 0, SealedObject.Kind.KEYRING, "keys/keyring/ab", k.encode());
        Keyring back = Keyring.decode(SealedObject.open(keyringKey, SealedObject.Kind.KEYRING, "keys/keyring/ab", sealed), "k");
        assertThat(back.dataKey(k.currentEpoch())).isEqualTo(k.dataKey(k.currentEpoch()));
    }

    @Test
    void everyTruncationAndTrailingBytesAreCorrupt() {
        byte[] bytes = Keyring.generate(NOW).rotate(NOW).encode();
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
        byte[] v3 = bytes.clone();
        v3[4] = 3;
        assertThatThrownBy(() -> Keyring.decode(v3, "k"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unsupported keyring version 3");
    }

    @Test
    void currentEpochMustBeInTheKeyring() {
        byte[] bytes = Keyring.generate(NOW).encode();
        // magic 4, version 1, generation 8, three keys, rotation days 2: then the current epoch.
        int at = 4 + 1 + 8 + 3 * 32 + 2;
        bytes[at] ^= 1;
        assertThatThrownBy(() -> Keyring.decode(bytes, "k"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("missing");
    }

    @Test
    void unknownEpochIsReportedClearly() {
        Keyring k = Keyring.generate(NOW);
        int other = k.currentEpoch() + 1;
        assertThatThrownBy(() -> k.dataKey(other))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("data-key epoch " + Keyring.epochHex(other) + " is not in the keyring");
    }

    @Test
    void closeWipesEveryKey() {
        Keyring k = Keyring.generate(NOW);
        byte[] id = k.idKey();
        byte[] data = k.dataKey(k.currentEpoch());
        k.close();
        assertThat(id).containsOnly(0);
        assertThat(data).containsOnly(0);
        assertThat(k.chunkerKey()).containsOnly(0);
        assertThat(k.configMacKey()).containsOnly(0);
    }

    @Test
    void epochsViewIsReadOnly() {
        Keyring k = Keyring.generate(NOW);
        assertThatThrownBy(() -> k.epochs().remove(k.currentEpoch())).isInstanceOf(UnsupportedOperationException.class);
    }
}
