package dr.summit.repository.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteReaderWriterTest {

    /** One field of a random record: how it is written and read, and the value. */
    private record Field(int kind, long value, byte[] bytes) {
        void write(ByteWriter w) {
            switch (kind) {
                case 0 -> w.u8((int) value);
                case 1 -> w.u16((int) value);
                case 2 -> w.i32((int) value);
                case 3 -> w.u32(value);
                case 4 -> w.i64(value);
                case 5 -> w.shortBytes(bytes);
                case 6 -> w.longBytes(bytes);
                default -> w.bytes(bytes);
            }
        }

        /** Reads the field and fails the test if the value differs. */
        void readAndCheck(ByteReader r) {
            switch (kind) {
                case 0 -> assertThat(r.u8()).isEqualTo((int) value);
                case 1 -> assertThat(r.u16()).isEqualTo((int) value);
                case 2 -> assertThat(r.i32()).isEqualTo((int) value);
                case 3 -> assertThat(r.u32()).isEqualTo(value);
                case 4 -> assertThat(r.i64()).isEqualTo(value);
                case 5 -> assertThat(r.shortBytes()).isEqualTo(bytes);
                case 6 -> assertThat(r.longBytes()).isEqualTo(bytes);
                default -> assertThat(r.bytes(bytes.length)).isEqualTo(bytes);
            }
        }

        /** Reads the field without checking it (for truncation runs). */
        void read(ByteReader r) {
            switch (kind) {
                case 0 -> r.u8();
                case 1 -> r.u16();
                case 2 -> r.i32();
                case 3 -> r.u32();
                case 4 -> r.i64();
                case 5 -> r.shortBytes();
                case 6 -> r.longBytes();
                default -> r.bytes(bytes.length);
            }
        }
    }

    private static Field randomField(Random random) {
        int kind = random.nextInt(8);
        boolean extreme = random.nextInt(4) == 0;
        return switch (kind) {
            case 0 -> new Field(0, extreme ? (random.nextBoolean() ? 0 : 0xFF) : random.nextInt(256), null);
            case 1 -> new Field(1, extreme ? (random.nextBoolean() ? 0 : 0xFFFF) : random.nextInt(0x10000), null);
            case 2 -> new Field(2, extreme ? (random.nextBoolean() ? Integer.MIN_VALUE : -1) : random.nextInt(), null);
            case 3 -> new Field(3, extreme ? 0xFFFFFFFFL : random.nextLong() & 0xFFFFFFFFL, null);
            case 4 -> new Field(4, extreme ? (random.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE) : random.nextLong(), null);
            default -> new Field(kind, 0, TestBytes.random(random, extreme ? 0 : random.nextInt(40)));
        };
    }

    private static List<Field> randomRecord(Random random) {
        List<Field> fields = new ArrayList<>();
        for (int n = random.nextInt(12); n >= 0; n--) {
            fields.add(randomField(random));
        }
        return fields;
    }

    private static byte[] write(List<Field> fields, int initialCapacity) {
        ByteWriter w = new ByteWriter(initialCapacity);
        fields.forEach(f -> f.write(w));
        return w.toByteArray();
    }

    @Test
    void randomRecordsRoundTrip() {
        Random random = new Random(1);
        for (int i = 0; i < 2_000; i++) {
            List<Field> fields = randomRecord(random);
            byte[] bytes = write(fields, random.nextInt(64));
            ByteReader r = new ByteReader(bytes, "record " + i);
            fields.forEach(f -> f.readAndCheck(r));
            assertThat(r.remaining()).isZero();
            r.expectEnd();
        }
    }

    @Test
    void everyTruncationOfARandomRecordIsReportedAsCorrupt() {
        Random random = new Random(2);
        for (int i = 0; i < 400; i++) {
            List<Field> fields = randomRecord(random);
            byte[] bytes = write(fields, 16);
            for (int length = 0; length < bytes.length; length++) {
                byte[] cut = TestBytes.truncate(bytes, length);
                ByteReader r = new ByteReader(cut, "record " + i);
                assertThatThrownBy(() -> {
                    fields.forEach(f -> f.read(r));
                    r.expectEnd();
                }).as("record %d truncated to %d of %d bytes", i, length, bytes.length)
                        .isInstanceOf(CorruptObjectException.class)
                        .hasMessageStartingWith("record " + i + ": ");
            }
        }
    }

    @Test
    void readerOfAWindowNeverReadsPastTheWindow() {
        Random random = new Random(3);
        for (int i = 0; i < 300; i++) {
            List<Field> fields = randomRecord(random);
            byte[] record = write(fields, 16);
            int before = random.nextInt(20);
            int after = 1 + random.nextInt(20);
            byte[] buf = new byte[before + record.length + after];
            random.nextBytes(buf);
            System.arraycopy(record, 0, buf, before, record.length);

            ByteReader whole = new ByteReader(buf, before, record.length, "window");
            fields.forEach(f -> f.readAndCheck(whole));
            whole.expectEnd();
            assertThat(whole.position()).isEqualTo(before + record.length);

            for (int length = 0; length < record.length; length++) {
                ByteReader r = new ByteReader(buf, before, length, "window");
                assertThatThrownBy(() -> {
                    fields.forEach(f -> f.read(r));
                    r.expectEnd();
                }).isInstanceOf(CorruptObjectException.class);
            }
        }
    }

    @Test
    void truncationMessageNamesTheObjectAndTheShortfall() {
        ByteReader r = new ByteReader(new byte[]{1, 2, 3}, "index/abc");
        assertThatThrownBy(r::i64)
                .isInstanceOf(CorruptObjectException.class)
                .hasMessage("index/abc: truncated (needed 8 more bytes at offset 0, 3 left)");
    }

    @Test
    void fixedWidthFieldsAreBigEndianAndUnsignedWhereNamedSo() {
        byte[] bytes = new ByteWriter(0).u8(0xFE).u16(0xABCD).u32(0xFFFFFFFEL).i32(-2).i64(0x0102030405060708L)
                .toByteArray();
        assertThat(bytes).containsExactly(0xFE, 0xAB, 0xCD, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFE,
                1, 2, 3, 4, 5, 6, 7, 8);
        ByteReader r = new ByteReader(bytes, "x");
        assertThat(r.u8()).isEqualTo(0xFE);
        assertThat(r.u16()).isEqualTo(0xABCD);
        assertThat(r.u32()).isEqualTo(0xFFFFFFFEL);
        assertThat(r.i32()).isEqualTo(-2);
        assertThat(r.i64()).isEqualTo(0x0102030405060708L);
    }

    @Test
    void countLargerThanTheRemainingBytesIsCorrupt() {
        byte[] bytes = new ByteWriter(16).u32(3).bytes(new byte[5]).toByteArray();
        assertThat(new ByteReader(bytes, "x").count(1)).isEqualTo(3);
        assertThatThrownBy(() -> new ByteReader(bytes, "x").count(2))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("count 3 exceeds the remaining 5 bytes");
        byte[] huge = new ByteWriter(16).u32(0xFFFFFFFFL).toByteArray();
        assertThatThrownBy(() -> new ByteReader(huge, "x").count(0)).isInstanceOf(CorruptObjectException.class);
        assertThatThrownBy(() -> new ByteReader(huge, "x").longBytes()).isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void negativeLengthIsCorruptNotAnIndexError() {
        assertThatThrownBy(() -> new ByteReader(new byte[8], "x").bytes(-1))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("negative length");
    }

    @Test
    void trailingBytesAreReported() {
        ByteReader r = new ByteReader(new byte[]{1, 2, 3}, "snap");
        r.u8();
        assertThatThrownBy(r::expectEnd)
                .isInstanceOf(CorruptObjectException.class).hasMessage("snap: 2 unexpected trailing bytes");
    }

    @Test
    void writerRefusesValuesThatDoNotFitTheirField() {
        ByteWriter w = new ByteWriter(0);
        assertThatThrownBy(() -> w.u16(0x10000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.u16(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.u32(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.u32(0x1_0000_0000L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.shortBytes(new byte[0x10000])).isInstanceOf(IllegalArgumentException.class);
        assertThat(w.size()).isZero();
    }

    @Test
    void writerGrowsFarBeyondItsInitialCapacity() {
        Random random = new Random(4);
        byte[] big = TestBytes.random(random, 100_000);
        ByteWriter w = new ByteWriter(0);
        for (int i = 0; i < big.length; i += 7) {
            w.bytes(big, i, Math.min(7, big.length - i));
        }
        assertThat(w.size()).isEqualTo(big.length);
        assertThat(w.toByteArray()).isEqualTo(big);
    }

    @Test
    void patchU32OverwritesACountWrittenEarlier() {
        ByteWriter w = new ByteWriter(0);
        w.u8(7);
        int at = w.size();
        w.u32(0).u8(9);
        w.patchU32(at, 0xCAFEBABEL);
        assertThat(w.toByteArray()).containsExactly(7, 0xCA, 0xFE, 0xBA, 0xBE, 9);
    }

    @Test
    void toByteArrayIsACopy() {
        ByteWriter w = new ByteWriter(0).u8(1);
        byte[] first = w.toByteArray();
        first[0] = 42;
        w.u8(2);
        assertThat(w.toByteArray()).containsExactly(1, 2);
        assertThat(Arrays.equals(first, new byte[]{42})).isTrue();
    }
}
