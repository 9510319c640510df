package dr.summit.repository.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SealedLogTest {
    private static final String NAME = "pg/main/wal-stream/000000010000000000000003.log-0123456789abcdef";

    /** A log of random records and where each record ends in it. */
    private record Log(byte[] bytes, List<byte[]> payloads, List<Integer> ends) {
    }

    private static Log randomLog(Random random, byte[] key, int epoch, int records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SealedLog.header(epoch));
        List<byte[]> payloads = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            byte[] payload = TestBytes.random(random, random.nextInt(i % 7 == 0 ? 70_000 : 300));
            out.writeBytes(SealedLog.record(key, epoch, NAME, i, payload));
            payloads.add(payload);
            ends.add(out.size());
        }
        return new Log(out.toByteArray(), payloads, ends);
    }

    @Test
    void randomLogsReadBackRecordForRecord() {
        Random random = new Random(71);
        for (int round = 0; round < 100; round++) {
            byte[] key = TestBytes.random(random, 32);
            int epoch = random.nextInt(1000);
            Log log = randomLog(random, key, epoch, random.nextInt(12));
            SealedLog.Contents read = SealedLog.read(log.bytes(), NAME, e -> key);
            assertThat(read.epoch()).isEqualTo(epoch);
            assertThat(read.tornTailBytes()).isZero();
            assertThat(read.payloads()).hasSameSizeAs(log.payloads());
            for (int i = 0; i < log.payloads().size(); i++) {
                assertThat(read.payloads().get(i)).isEqualTo(log.payloads().get(i));
            }
        }
    }

    /** A crash can cut the file anywhere: every record wholly before the cut is read, nothing fails. */
    @Test
    void aLogCutAnywhereYieldsTheRecordsBeforeTheCut() {
        Random random = new Random(72);
        for (int round = 0; round < 40; round++) {
            byte[] key = TestBytes.random(random, 32);
            Log log = randomLog(random, key, 1, 1 + random.nextInt(6));
            for (int trial = 0; trial < 25; trial++) {
                int cut = SealedObject.HEADER_BYTES + random.nextInt(log.bytes().length - SealedObject.HEADER_BYTES + 1);
                SealedLog.Contents read = SealedLog.read(Arrays.copyOf(log.bytes(), cut), NAME, e -> key);
                long whole = log.ends().stream().filter(end -> end <= cut).count();
                assertThat(read.payloads()).hasSize((int) whole);
                int lastEnd = whole == 0 ? SealedObject.HEADER_BYTES : log.ends().get((int) whole - 1);
                assertThat(read.tornTailBytes()).isEqualTo(cut - lastEnd);
            }
        }
    }

    /** Garbage appended where a write was torn (zeros, random bytes) ends the log; nothing after it is trusted. */
    @Test
    void aDamagedRecordEndsTheLogAndIsCountedAsTorn() {
        Random random = new Random(73);
        byte[] key = TestBytes.random(random, 32);
        Log log = randomLog(random, key, 2, 5);
        byte[] damaged = log.bytes().clone();
        int second = log.ends().get(0);
        damaged[second + SealedLog.FRAME_BYTES + SealedObject.HEADER_BYTES + 3] ^= 1;
        SealedLog.Contents read = SealedLog.read(damaged, NAME, e -> key);
        assertThat(read.payloads()).hasSize(1);
        assertThat(read.tornTailBytes()).isEqualTo(damaged.length - second);

        byte[] zeros = Arrays.copyOf(log.bytes(), log.bytes().length + 4096);
        assertThat(SealedLog.read(zeros, NAME, e -> key).payloads()).hasSize(5);
    }

    /** A record cannot be moved to another log or renumbered: its name (log name and sequence) is authenticated. */
    @Test
    void recordsAreBoundToTheirLogAndSequence() {
        Random random = new Random(74);
        byte[] key = TestBytes.random(random, 32);
        Log log = randomLog(random, key, 3, 2);
        assertThat(SealedLog.read(log.bytes(), NAME.replace("abcdef", "abcdee"), e -> key).payloads()).isEmpty();
        byte[] renumbered = log.bytes().clone();
        renumbered[SealedObject.HEADER_BYTES + 11] = 9;   // the first record's sequence
        assertThat(SealedLog.read(renumbered, NAME, e -> key).payloads()).isEmpty();
    }

    @Test
    void aSealedObjectIsNotALog() {
        byte[] sealed = SealedObject.seal(new byte[32], 1, SealedObject.Kind.WAL, NAME, new byte[10]);
        assertThatThrownBy(() -> SealedLog.read(sealed, NAME, e -> new byte[32]))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining(NAME).hasMessageContaining("expected a LOG object, found WAL");
    }

    /**
     * The test vector in docs/repository-format.md ("Sealed logs"): a log under epoch 0x01020304 with
     * the base key 00 01 … 1f and two records, "WAL" and the empty payload (raw payload framing
     * as the receiver writes it is the caller's business: these are the sealed payload bytes).
     */
    @Test
    void theDocumentedTestVector() {
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) i;
        }
        String name = "pg/main/wal-stream/000000010000000000000001.log-0011223344556677";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SealedLog.header(0x01020304));
        out.writeBytes(SealedLog.record(key, 0x01020304, name, 0, "WAL".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        out.writeBytes(SealedLog.record(key, 0x01020304, name, 1, new byte[0]));
        String hex = java.util.HexFormat.of().formatHex(out.toByteArray());
        assertThat(hex).isEqualTo(VECTOR);
        assertThat(SealedLog.read(out.toByteArray(), name, e -> key).payloads()).hasSize(2);
    }

    private static final String VECTOR = "5344524f0107010203040000001d00000000000000005344524f010701020304091e26bef666cbc91aa97d0112d5670ce67cc20000001a00000000000000015344524f0107010203048518ad6f05b3dcb53f89d71f94f5eb2c";
}
