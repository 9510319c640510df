package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SealedObjectTest {

    private static String randomName(Random random, String prefix) {
        return prefix + HexFormat.of().formatHex(TestBytes.random(random, 16));
    }

    @Test
    void randomObjectsOfEveryKindRoundTrip() {
        Random random = new Random(20);
        for (int i = 0; i < 300; i++) {
            SealedObject.Kind kind = SealedObject.Kind.values()[random.nextInt(SealedObject.Kind.values().length)];
            byte[] key = TestBytes.random(random, 32);
            int epoch = random.nextInt(Integer.MAX_VALUE);
            String name = randomName(random, "index/");
            byte[] payload = TestBytes.random(random, i % 10 == 0 ? 0 : random.nextInt(2000));

            byte[] sealed = SealedObject.seal(key, epoch, kind, name, payload);

            assertThat(sealed).hasSize(SealedObject.HEADER_BYTES + payload.length + AesGcm.TAG_BYTES);
            assertThat(SealedObject.header(sealed, name)).isEqualTo(new SealedObject.Header(kind, epoch));
            assertThat(SealedObject.open(key, kind, name, sealed)).isEqualTo(payload);
        }
    }

    @Test
    void sealingInPlaceGivesTheSameBytesAsSealingIntoANewArray() {
        Random random = new Random(21);
        for (int i = 0; i < 200; i++) {
            SealedObject.Kind kind = SealedObject.Kind.values()[random.nextInt(SealedObject.Kind.values().length)];
            byte[] key = TestBytes.random(random, 32);
            String name = randomName(random, "pg/main/wal/");
            byte[] payload = TestBytes.random(random, i % 10 == 0 ? 0 : random.nextInt(300_000));
            byte[] buffer = new byte[SealedObject.HEADER_BYTES + payload.length + AesGcm.TAG_BYTES + random.nextInt(8)];
            System.arraycopy(payload, 0, buffer, SealedObject.HEADER_BYTES, payload.length);

            int n = SealedObject.sealInPlace(key, i, kind, name, buffer, payload.length);

            assertThat(java.util.Arrays.copyOf(buffer, n)).isEqualTo(SealedObject.seal(key, i, kind, name, payload));
        }
    }

    @Test
    void headerIsPlaintextMagicVersionKindEpoch() {
        byte[] sealed = SealedObject.seal(new byte[32], 0x01020304, SealedObject.Kind.SNAPSHOT, "snapshots/x", new byte[3]);
        assertThat(java.util.Arrays.copyOf(sealed, SealedObject.HEADER_BYTES))
                .containsExactly('S', 'D', 'R', 'O', 1, 3, 1, 2, 3, 4);
    }

    @Test
    void everyFlippedBitOfASmallObjectIsRejected() {
        Random random = new Random(21);
        byte[] key = TestBytes.random(random, 32);
        String name = "snapshots/abc";
        byte[] sealed = SealedObject.seal(key, 1, SealedObject.Kind.SNAPSHOT, name, "{\"v\":1}".getBytes());
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] damaged = TestBytes.flipBit(sealed, bit);
            assertThatThrownBy(() -> SealedObject.open(key, SealedObject.Kind.SNAPSHOT, name, damaged))
                    .as(TestBytes.describeBit(bit))
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining(name);
        }
    }

    @Test
    void randomFlippedBitsOfRandomObjectsAreRejected() {
        Random random = new Random(22);
        for (int i = 0; i < 1_000; i++) {
            byte[] key = TestBytes.random(random, 32);
            SealedObject.Kind kind = SealedObject.Kind.values()[random.nextInt(3)];
            String name = randomName(random, "keys/keyring/");
            byte[] sealed = SealedObject.seal(key, random.nextInt(5), kind, name, TestBytes.random(random, random.nextInt(3000)));
            int bit = random.nextInt(sealed.length * 8);
            byte[] damaged = TestBytes.flipBit(sealed, bit);
            assertThatThrownBy(() -> SealedObject.open(key, kind, name, damaged))
                    .as("case %d, %s of %d bytes", i, TestBytes.describeBit(bit), sealed.length)
                    .isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void everyTruncationIsRejected() {
        Random random = new Random(23);
        byte[] key = TestBytes.random(random, 32);
        byte[] sealed = SealedObject.seal(key, 1, SealedObject.Kind.INDEX, "index/1", TestBytes.random(random, 20));
        for (int length = 0; length < sealed.length; length++) {
            byte[] cut = TestBytes.truncate(sealed, length);
            assertThatThrownBy(() -> SealedObject.open(key, SealedObject.Kind.INDEX, "index/1", cut))
                    .as("truncated to %d", length)
                    .isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void openingUnderAnotherNameIsRejected() {
        Random random = new Random(24);
        byte[] key = TestBytes.random(random, 32);
        String name = randomName(random, "snapshots/");
        byte[] sealed = SealedObject.seal(key, 1, SealedObject.Kind.SNAPSHOT, name, "payload".getBytes());

        for (String other : new String[]{randomName(random, "snapshots/"), name + "0", name.substring(0, name.length() - 1),
                name.replace("snapshots/", "index/"), ""}) {
            assertThatThrownBy(() -> SealedObject.open(key, SealedObject.Kind.SNAPSHOT, other, sealed))
                    .as("opened as %s", other)
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining("authentication failed");
        }
    }

    @Test
    void openingAsAnotherKindIsRejected() {
        byte[] key = TestBytes.random(new Random(25), 32);
        byte[] sealed = SealedObject.seal(key, 1, SealedObject.Kind.INDEX, "index/x", "payload".getBytes());
        assertThatThrownBy(() -> SealedObject.open(key, SealedObject.Kind.SNAPSHOT, "index/x", sealed))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessage("index/x: expected a SNAPSHOT object, found INDEX");
        assertThatThrownBy(() -> SealedObject.open(key, SealedObject.Kind.KEYRING, "index/x", sealed))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void relabellingTheKindInTheHeaderIsRejected() {
        byte[] key = new byte[32];
        byte[] sealed = SealedObject.seal(key, 1, SealedObject.Kind.INDEX, "n", "payload".getBytes());
        sealed[5] = 3; // claim SNAPSHOT
        assertThat(SealedObject.header(sealed, "n").kind()).isEqualTo(SealedObject.Kind.SNAPSHOT);
        assertThatThrownBy(() -> SealedObject.open(key, SealedObject.Kind.SNAPSHOT, "n", sealed))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("authentication failed");
    }

    @Test
    void wrongBaseKeyIsRejected() {
        Random random = new Random(26);
        byte[] key = TestBytes.random(random, 32);
        byte[] sealed = SealedObject.seal(key, 1, SealedObject.Kind.KEYRING, "k", "payload".getBytes());
        assertThatThrownBy(() -> SealedObject.open(TestBytes.random(random, 32), SealedObject.Kind.KEYRING, "k", sealed))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void foreignBytesAreNotASealedObject() {
        assertThatThrownBy(() -> SealedObject.header("PK\u0003\u0004 not ours".getBytes(), "x"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("x: not a sealed object (bad magic)");
        byte[] futureVersion = {'S', 'D', 'R', 'O', 2, 1, 0, 0, 0, 1};
        assertThatThrownBy(() -> SealedObject.header(futureVersion, "x"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unsupported sealed-object version 2");
        byte[] unknownKind = {'S', 'D', 'R', 'O', 1, 9, 0, 0, 0, 1};
        assertThatThrownBy(() -> SealedObject.header(unknownKind, "x"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unknown object kind 9");
    }
}
