package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AesGcmTest {

    @Test
    void randomMessagesRoundTrip() {
        Random random = new Random(10);
        for (int i = 0; i < 500; i++) {
            byte[] key = TestBytes.random(random, AesGcm.KEY_BYTES);
            byte[] nonce = AesGcm.nonce(random.nextLong());
            byte[] aad = TestBytes.random(random, random.nextInt(50));
            byte[] plain = TestBytes.random(random, i % 10 == 0 ? 0 : random.nextInt(3000));

            byte[] sealed = AesGcm.seal(key, nonce, aad, plain);

            assertThat(sealed).hasSize(plain.length + AesGcm.TAG_BYTES);
            assertThat(AesGcm.open(key, nonce, aad, sealed, 0, sealed.length, "msg")).isEqualTo(plain);
        }
    }

    @Test
    void sealingIntoTheMiddleOfABufferRoundTrips() {
        Random random = new Random(11);
        for (int i = 0; i < 200; i++) {
            byte[] key = TestBytes.random(random, AesGcm.KEY_BYTES);
            byte[] nonce = AesGcm.nonce(i);
            byte[] data = TestBytes.random(random, 10 + random.nextInt(500));
            int offset = random.nextInt(5);
            int length = random.nextInt(data.length - offset);
            byte[] out = new byte[7 + length + AesGcm.TAG_BYTES + 3];
            int written = AesGcm.seal(key, nonce, new byte[0], data, offset, length, out, 7);

            assertThat(written).isEqualTo(length + AesGcm.TAG_BYTES);
            assertThat(AesGcm.open(key, nonce, new byte[0], out, 7, written, "msg"))
                    .isEqualTo(java.util.Arrays.copyOfRange(data, offset, offset + length));
        }
    }

    @Test
    void anyFlippedBitOfTheCiphertextIsRejected() {
        Random random = new Random(12);
        byte[] key = TestBytes.random(random, AesGcm.KEY_BYTES);
        byte[] nonce = AesGcm.nonce(5);
        byte[] aad = "aad".getBytes();
        byte[] sealed = AesGcm.seal(key, nonce, aad, TestBytes.random(random, 40));
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] damaged = TestBytes.flipBit(sealed, bit);
            assertThatThrownBy(() -> AesGcm.open(key, nonce, aad, damaged, 0, damaged.length, "obj"))
                    .as(TestBytes.describeBit(bit))
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessage("obj: authentication failed (damaged data or wrong key)");
        }
    }

    @Test
    void anyFlippedBitOfTheAssociatedDataIsRejected() {
        Random random = new Random(13);
        byte[] key = TestBytes.random(random, AesGcm.KEY_BYTES);
        byte[] nonce = AesGcm.nonce(1);
        byte[] aad = TestBytes.random(random, 38);
        byte[] sealed = AesGcm.seal(key, nonce, aad, TestBytes.random(random, 100));
        for (int bit = 0; bit < aad.length * 8; bit++) {
            byte[] otherAad = TestBytes.flipBit(aad, bit);
            assertThatThrownBy(() -> AesGcm.open(key, nonce, otherAad, sealed, 0, sealed.length, "obj"))
                    .isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void wrongKeyOrNonceIsRejected() {
        Random random = new Random(14);
        byte[] key = TestBytes.random(random, AesGcm.KEY_BYTES);
        byte[] sealed = AesGcm.seal(key, AesGcm.nonce(7), new byte[0], TestBytes.random(random, 64));
        byte[] otherKey = TestBytes.flipBit(key, random.nextInt(256));

        assertThatThrownBy(() -> AesGcm.open(otherKey, AesGcm.nonce(7), new byte[0], sealed, 0, sealed.length, "o"))
                .isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> AesGcm.open(key, AesGcm.nonce(8), new byte[0], sealed, 0, sealed.length, "o"))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void everyTruncationIsRejected() {
        Random random = new Random(15);
        byte[] key = TestBytes.random(random, AesGcm.KEY_BYTES);
        byte[] sealed = AesGcm.seal(key, AesGcm.nonce(0), new byte[0], TestBytes.random(random, 30));
        for (int length = 0; length < sealed.length; length++) {
            int n = length;
            assertThatThrownBy(() -> AesGcm.open(key, AesGcm.nonce(0), new byte[0], sealed, 0, n, "o"))
                    .isInstanceOf(CorruptObjectException.class);
        }
        assertThatThrownBy(() -> AesGcm.open(key, AesGcm.nonce(0), new byte[0], sealed, 0, 15, "o"))
                .hasMessage("o: ciphertext too short (15 bytes)");
    }

    @Test
    void nonceHoldsTheCounterBigEndianInItsLastEightBytes() {
        assertThat(AesGcm.nonce(0)).hasSize(12).containsOnly(0);
        assertThat(AesGcm.nonce(0x0102030405060708L)).containsExactly(0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(AesGcm.nonce(-1)).containsExactly(0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
    }
}
