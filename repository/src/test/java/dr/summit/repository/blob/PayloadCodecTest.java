package dr.summit.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PayloadCodecTest {

    private static PayloadCodec codec(Compression c) {
        return new PayloadCodec(c, 3);
    }

    private static byte[] randomInput(Random random, int i) {
        int length = switch (i % 5) {
            case 0 -> 0;
            case 1 -> random.nextInt(64);
            case 2 -> 64 + random.nextInt(200);
            default -> random.nextInt(70_000);
        };
        return random.nextBoolean() ? TestBytes.random(random, length) : TestBytes.compressible(random, length);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void randomCompressibleAndEmptyInputsRoundTrip(Compression compression) {
        PayloadCodec codec = codec(compression);
        Random random = new Random(30 + compression.ordinal());
        for (int i = 0; i < 300; i++) {
            byte[] data = randomInput(random, i);
            byte[] payload = codec.encode(data, 0, data.length);
            assertThat(codec.decode(payload, "blob")).as("case %d, %d bytes", i, data.length).isEqualTo(data);
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void encodesASliceOfALargerArray(Compression compression) {
        PayloadCodec codec = codec(compression);
        Random random = new Random(40);
        byte[] buf = TestBytes.compressible(random, 50_000);
        for (int i = 0; i < 50; i++) {
            int offset = random.nextInt(buf.length);
            int length = random.nextInt(buf.length - offset);
            byte[] payload = codec.encode(buf, offset, length);
            assertThat(codec.decode(payload, "blob")).isEqualTo(Arrays.copyOfRange(buf, offset, offset + length));
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void emptyInputIsTheSingleByteRawPayload(Compression compression) {
        assertThat(codec(compression).encode(new byte[0], 0, 0)).containsExactly(0);
        assertThat(codec(compression).decode(new byte[]{0}, "blob")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void incompressibleDataIsStoredRaw(Compression compression) {
        Random random = new Random(41);
        for (int length : new int[]{1, 63, 64, 65, 1000, 100_000}) {
            byte[] data = TestBytes.random(random, length);
            byte[] payload = codec(compression).encode(data, 0, length);
            assertThat(payload[0]).isZero();
            assertThat(Arrays.copyOfRange(payload, 1, payload.length)).isEqualTo(data);
            assertThat(payload.length - data.length).isLessThanOrEqualTo(PayloadCodec.MAX_OVERHEAD);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZSTD", "LZ4"})
    void compressibleDataIsCompressedAndTagged(Compression compression) {
        byte[] data = TestBytes.compressible(new Random(42), 10_000);
        byte[] payload = codec(compression).encode(data, 0, data.length);
        assertThat(payload[0]).isEqualTo((byte) compression.code());
        assertThat(payload.length).isLessThan(data.length / 2);
        assertThat(Arrays.copyOfRange(payload, 1, 5)).containsExactly(0, 0, 0x27, 0x10);
    }

    @Test
    void noneNeverCompresses() {
        byte[] data = new byte[10_000];
        byte[] payload = codec(Compression.NONE).encode(data, 0, data.length);
        assertThat(payload).hasSize(10_001);
        assertThat(payload[0]).isZero();
    }

    @Test
    void shortInputsAreNotCompressed() {
        byte[] zeros = new byte[63];
        assertThat(codec(Compression.ZSTD).encode(zeros, 0, 63)).hasSize(64);
        assertThat(codec(Compression.LZ4).encode(zeros, 0, 63)).hasSize(64);
        assertThat(codec(Compression.ZSTD).encode(new byte[64], 0, 64)[0]).isEqualTo((byte) Compression.ZSTD.code());
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZSTD", "LZ4"})
    void everyTruncationOfACompressedPayloadIsCorrupt(Compression compression) {
        byte[] data = TestBytes.compressible(new Random(43), 3_000);
        byte[] payload = codec(compression).encode(data, 0, data.length);
        assertThat(payload[0]).isEqualTo((byte) compression.code());
        for (int length = 0; length < payload.length; length++) {
            byte[] cut = TestBytes.truncate(payload, length);
            assertThatThrownBy(() -> codec(compression).decode(cut, "blob 1234"))
                    .as("truncated to %d of %d", length, payload.length)
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageStartingWith("blob 1234: ");
        }
    }

    /** One codec (the class says thread-safe) decodes on several threads at once, and goes on after damaged payloads. */
    @Test
    void oneCodecDecodesOnManyThreadsAndGoesOnAfterDamagedPayloads() throws Exception {
        PayloadCodec codec = codec(Compression.ZSTD);
        java.util.List<java.util.concurrent.Callable<Integer>> work = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            work.add(() -> {
                Random random = new Random(70 + thread);
                byte[] scratch = new byte[1 << 16];
                int decoded = 0;
                for (int i = 0; i < 200; i++) {
                    byte[] data = TestBytes.compressible(random, 100 + random.nextInt(60_000));
                    byte[] payload = codec.encode(data, 0, data.length);
                    if (i % 7 == 3 && payload[0] == (byte) Compression.ZSTD.code()) {
                        byte[] cut = TestBytes.truncate(payload, 5 + random.nextInt(payload.length - 5));
                        assertThatThrownBy(() -> codec.decode(cut, "blob")).isInstanceOf(CorruptObjectException.class);
                    }
                    PayloadCodec.Decoded plain = codec.decodeInto(payload, "blob", scratch);
                    assertThat(Arrays.copyOf(plain.bytes(), plain.length())).as("thread %d case %d", thread, i).isEqualTo(data);
                    decoded++;
                }
                return decoded;
            });
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (java.util.concurrent.Future<Integer> f : pool.invokeAll(work)) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZSTD", "LZ4"})
    void wrongRawLengthIsCorrupt(Compression compression) {
        byte[] data = TestBytes.compressible(new Random(44), 5_000);
        byte[] payload = codec(compression).encode(data, 0, data.length);
        for (int raw : new int[]{0, 1, 4_999, 5_001, 10_000, 1 << 20}) {
            byte[] damaged = payload.clone();
            damaged[1] = (byte) (raw >>> 24);
            damaged[2] = (byte) (raw >>> 16);
            damaged[3] = (byte) (raw >>> 8);
            damaged[4] = (byte) raw;
            assertThatThrownBy(() -> codec(compression).decode(damaged, "blob"))
                    .as("raw length %d", raw)
                    .isInstanceOf(CorruptObjectException.class);
        }
    }

    @Test
    void implausibleRawLengthIsCorruptWithoutAllocatingIt() {
        byte[] negative = {1, (byte) 0xFF, 0, 0, 0, 1, 2, 3};
        assertThatThrownBy(() -> codec(Compression.ZSTD).decode(negative, "blob"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("implausible raw length");
        byte[] huge = {2, 0x7F, 0, 0, 0, 1, 2, 3};
        assertThatThrownBy(() -> codec(Compression.LZ4).decode(huge, "blob"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("implausible raw length");
    }

    @Test
    void emptyPayloadAndUnknownAlgorithmAreCorrupt() {
        assertThatThrownBy(() -> codec(Compression.ZSTD).decode(new byte[0], "blob"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("blob: empty payload");
        assertThatThrownBy(() -> codec(Compression.ZSTD).decode(new byte[]{3, 1, 2}, "blob"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("blob: unknown compression 3");
        assertThatThrownBy(() -> codec(Compression.ZSTD).decode(new byte[]{(byte) 0x81}, "blob"))
                .isInstanceOf(CorruptObjectException.class);
    }

    /**
     * Payloads are authenticated by AES-GCM before they are decoded, so a flipped bit in a
     * literal may decode to other bytes; what must never happen is an exception other than
     * CorruptObjectException, or output of the wrong length.
     */
    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZSTD", "LZ4"})
    void randomBitFlipsNeverEscapeAsAnythingButCorruptObjectException(Compression compression) {
        PayloadCodec codec = codec(compression);
        Random random = new Random(45);
        int rejected = 0;
        for (int i = 0; i < 2_000; i++) {
            byte[] data = TestBytes.compressible(random, 64 + random.nextInt(4_000));
            byte[] payload = codec.encode(data, 0, data.length);
            if (payload[0] == 0) {
                continue;
            }
            byte[] damaged = TestBytes.flipBit(payload, 8 + random.nextInt((payload.length - 1) * 8));
            Throwable thrown = catchThrowable(() -> {
                byte[] out = codec.decode(damaged, "blob");
                int raw = ((damaged[1] & 0xFF) << 24) | ((damaged[2] & 0xFF) << 16) | ((damaged[3] & 0xFF) << 8) | (damaged[4] & 0xFF);
                assertThat(out).hasSize(raw);
            });
            if (thrown != null) {
                assertThat(thrown).as("case %d", i).isInstanceOf(CorruptObjectException.class);
                rejected++;
            }
        }
        assertThat(rejected).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void encodingFromSlicesDecodesToTheSameBytesAndStoresTheIncompressibleRaw(Compression compression) throws Exception {
        PayloadCodec codec = codec(compression);
        Random random = new Random(50 + compression.ordinal());
        for (int i = 0; i < 60; i++) {
            // Sizes around the slice and block boundaries, and random ones up to 3 MiB.
            int length = switch (i % 6) {
                case 0 -> random.nextInt(64);
                case 1 -> PayloadCodec.SLICE + random.nextInt(3) - 1;
                case 2 -> (1 << 20) + random.nextInt(3) - 1;
                default -> random.nextInt(3 << 20);
            };
            byte[] data = random.nextBoolean() ? TestBytes.random(random, length) : TestBytes.compressible(random, length);
            int headroom = random.nextInt(16);
            int tailroom = random.nextInt(32);
            PayloadCodec.Placed placed = codec.encodeFrom((position, into, offset, n) -> {
                assertThat(n).isLessThanOrEqualTo(Math.max(PayloadCodec.SLICE, compression == Compression.LZ4 ? length : 0));
                System.arraycopy(data, (int) position, into, offset, n);
            }, length, headroom, tailroom);
            assertThat(placed.offset()).isEqualTo(headroom);
            assertThat(placed.buffer().length).isEqualTo(headroom + placed.length() + tailroom);
            byte[] payload = Arrays.copyOfRange(placed.buffer(), headroom, headroom + placed.length());
            assertThat(codec.decode(payload, "blob")).as("case %d, %d bytes", i, length).isEqualTo(data);
            // Same choice as the whole-array encoder: raw exactly when that one stores raw.
            assertThat(payload[0]).as("case %d", i).isEqualTo(codec.encode(data, 0, length)[0]);
        }
    }

    @Test
    void aSourceThatFailsHalfwayLeavesTheThreadsCompressorReadyForTheNextPayload() throws Exception {
        PayloadCodec codec = codec(Compression.ZSTD);
        byte[] data = TestBytes.compressible(new Random(51), 2 << 20);
        assertThatThrownBy(() -> codec.encodeFrom((position, into, offset, n) -> {
            if (position >= (1 << 20)) {
                throw new java.io.IOException("WAL file shrank");
            }
            System.arraycopy(data, (int) position, into, offset, n);
        }, data.length, 0, 0)).hasMessage("WAL file shrank");
        PayloadCodec.Placed placed = codec.encodeFrom((position, into, offset, n) -> System.arraycopy(data, (int) position, into, offset, n),
                data.length, 0, 0);
        assertThat(placed.buffer()[0]).isEqualTo((byte) Compression.ZSTD.code());
        assertThat(codec.decode(placed.buffer(), "blob")).isEqualTo(data);
        assertThat(codec.decode(codec.encode(data, 0, data.length), "blob")).as("one-shot on the same context").isEqualTo(data);
    }
    @ParameterizedTest
    @EnumSource(Compression.class)
    void encodingIntoAReusedScratchGivesTheSamePayloadsAsEncodingFromSlices(Compression compression) throws Exception {
        PayloadCodec codec = codec(compression);
        Random random = new Random(60 + compression.ordinal());
        int max = 3 << 20;
        java.nio.ByteBuffer scratch = java.nio.ByteBuffer.allocateDirect(PayloadCodec.scratchBytes(max));
        for (int i = 0; i < 40; i++) {
            // Sizes around the slice boundary and the compression limit, random ones up to 3 MiB;
            // one scratch for all, so a payload must not depend on what the last one left there.
            int length = switch (i % 5) {
                case 0 -> random.nextInt(200);
                case 1 -> PayloadCodec.SLICE + random.nextInt(3) - 1;
                case 2 -> max;
                default -> random.nextInt(max);
            };
            byte[] data = random.nextBoolean() ? TestBytes.random(random, length) : TestBytes.compressible(random, length);
            PayloadCodec.SliceSource source = (position, into, offset, n) -> System.arraycopy(data, (int) position, into, offset, n);
            byte[] payload = new byte[codec.encodeInto(source, length, scratch)];
            scratch.get(0, payload);
            PayloadCodec.Placed fromSlices = codec.encodeFrom(source, length, 0, 0);
            assertThat(payload).as("case %d, %d bytes", i, length)
                    .isEqualTo(Arrays.copyOf(fromSlices.buffer(), fromSlices.length()));
            assertThat(codec.decode(payload, "blob")).isEqualTo(data);
        }
        assertThatThrownBy(() -> codec.encodeInto((position, into, offset, n) -> { }, 1000, java.nio.ByteBuffer.allocateDirect(100)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.encodeInto((position, into, offset, n) -> { }, 10, java.nio.ByteBuffer.allocate(100)))
                .as("a heap buffer: zstd would pin it").isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] payload(java.nio.ByteBuffer scratch, int length) {
        byte[] out = new byte[length];
        scratch.get(0, out);
        return out;
    }

    @Test
    void compressedOutputJustPastTheLimitIsStoredRawAndTheContextRecovers() throws Exception {
        PayloadCodec codec = codec(Compression.ZSTD);
        // Random bytes: zstd's output passes the 1/32 limit and fills the scratch's compressed room.
        byte[] random = TestBytes.random(new Random(61), 1 << 20);
        java.nio.ByteBuffer scratch = java.nio.ByteBuffer.allocateDirect(PayloadCodec.scratchBytes(random.length));
        int raw = codec.encodeInto((p, into, o, n) -> System.arraycopy(random, (int) p, into, o, n), random.length, scratch);
        assertThat(scratch.get(0)).isEqualTo((byte) Compression.NONE.code());
        assertThat(raw).isEqualTo(1 + random.length);
        assertThat(codec.decode(payload(scratch, raw), "blob")).isEqualTo(random);
        byte[] text = TestBytes.compressible(new Random(62), 1 << 20);
        int packed = codec.encodeInto((p, into, o, n) -> System.arraycopy(text, (int) p, into, o, n), text.length, scratch);
        assertThat(scratch.get(0)).isEqualTo((byte) Compression.ZSTD.code());
        assertThat(codec.decode(payload(scratch, packed), "blob")).isEqualTo(text);
    }

    @Test
    void aSourceThatFailsHalfwayIntoAScratchLeavesTheCompressorReadyForTheNextPayload() throws Exception {
        PayloadCodec codec = codec(Compression.ZSTD);
        byte[] data = TestBytes.compressible(new Random(63), 2 << 20);
        java.nio.ByteBuffer scratch = java.nio.ByteBuffer.allocateDirect(PayloadCodec.scratchBytes(data.length));
        assertThatThrownBy(() -> codec.encodeInto((position, into, offset, n) -> {
            if (position >= (1 << 20)) {
                throw new java.io.IOException("WAL file shrank");
            }
            System.arraycopy(data, (int) position, into, offset, n);
        }, data.length, scratch)).hasMessage("WAL file shrank");
        int placed = codec.encodeInto((position, into, offset, n) -> System.arraycopy(data, (int) position, into, offset, n),
                data.length, scratch);
        assertThat(scratch.get(0)).isEqualTo((byte) Compression.ZSTD.code());
        assertThat(codec.decode(payload(scratch, placed), "blob")).isEqualTo(data);
    }

    /** A restore worker's reused buffer: the same bytes as decode, in scratch when it fits, else a new exact array. */
    @ParameterizedTest
    @EnumSource(Compression.class)
    void decodeIntoReusesALargeEnoughBuffer(Compression compression) {
        PayloadCodec codec = codec(compression);
        Random random = new Random(77 + compression.ordinal());
        byte[] scratch = new byte[40_000];
        for (int i = 0; i < 200; i++) {
            byte[] data = randomInput(random, i);
            byte[] payload = codec.encode(data, 0, data.length);
            Arrays.fill(scratch, (byte) 0x5A);   // what the last chunk left there must not show through
            PayloadCodec.Decoded d = codec.decodeInto(payload, "blob", scratch);
            assertThat(d.length()).isEqualTo(data.length);
            assertThat(Arrays.copyOf(d.bytes(), d.length())).as("case %d, %d bytes", i, data.length).isEqualTo(data);
            if (data.length <= scratch.length) {
                assertThat(d.bytes()).isSameAs(scratch);
            } else {
                assertThat(d.bytes()).hasSize(data.length);
            }
        }
    }
}
