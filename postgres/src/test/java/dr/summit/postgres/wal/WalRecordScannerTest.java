package dr.summit.postgres.wal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scanner against segments written here record by record in PostgreSQL's layout (records
 * spanning pages, a continuation from the previous segment, block references before the main
 * data). The same code is checked against real PostgreSQL 15 WAL by PgPitrTest ("pg list").
 */
class WalRecordScannerTest {
    private static final int PAGE = 8192;
    private static final int SEGMENT = 1 << 20;
    private static final long BASE = 5L * SEGMENT;
    private static final long EPOCH_2000 = 946_684_800L;

    /** Writes records into a segment, inserting page headers as PostgreSQL does. */
    private static final class SegmentWriter {
        final ByteBuffer out = ByteBuffer.allocate(SEGMENT).order(ByteOrder.LITTLE_ENDIAN);
        int pos;
        int lastEnd;

        SegmentWriter(int continuation) {
            header(0, continuation);
            pos = 40;
            skipBytes(continuation);
            align();
        }

        private void header(int page, int remaining) {
            boolean first = page == 0;
            out.putShort(page, (short) 0xD110);
            out.putShort(page + 2, (short) ((first ? 2 : 0) | (remaining > 0 ? 1 : 0)));
            out.putInt(page + 4, 1);
            out.putLong(page + 8, BASE + page);
            out.putInt(page + 16, remaining);
            if (first) {
                out.putLong(page + 24, 7_000_000_000_000L);
                out.putInt(page + 32, SEGMENT);
                out.putInt(page + 36, PAGE);
            }
        }

        private void skipBytes(int n) {
            for (int i = 0; i < n; i++) {
                put((byte) 0x5A, n - i);
            }
        }

        /** Puts one byte, starting a new page (with its header) when the current one is full. */
        private void put(byte b, int remainingIncludingThis) {
            if (pos % PAGE == 0) {
                header(pos, remainingIncludingThis);
                pos += 24;
            }
            out.put(pos++, b);
        }

        private void align() {
            pos = (pos + 7) & ~7;
        }

        /** Appends a record; returns its start LSN, or -1 if it does not fit any more. */
        long record(int rmid, int info, byte[] blockHeaders, byte[] mainData, int padding) {
            int total = 24 + blockHeaders.length + padding + mainData.length;
            ByteBuffer r = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(0, total);
            r.put(16, (byte) info);
            r.put(17, (byte) rmid);
            r.position(24);
            r.put(blockHeaders);
            r.position(24 + blockHeaders.length + padding);
            r.put(mainData);
            CRC32C crc = new CRC32C();
            crc.update(r.array(), 24, total - 24);
            crc.update(r.array(), 0, 20);
            r.putInt(20, (int) crc.getValue());
            int needed = total + (total / (PAGE - 24) + 2) * 24;
            if (pos % PAGE == 0 && pos + 24 > SEGMENT || pos + needed >= SEGMENT) {
                return -1;
            }
            if (pos % PAGE == 0) {
                header(pos, 0);
                pos += 24;
            }
            long lsn = BASE + pos;
            for (int i = 0; i < total; i++) {
                put(r.get(i), total - i);
            }
            lastEnd = pos;
            align();
            return lsn;
        }
    }

    private static byte[] commitMainData(Instant time) {
        long micros = (time.getEpochSecond() - EPOCH_2000) * 1_000_000L + time.getNano() / 1000;
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(micros);
        return b.array();
    }

    /** Block headers: an optional top-level xid, a block reference with an image, then the main-data length. */
    private static byte[] headers(Random random, int mainLength, int[] padding) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        int blockData = 0;
        if (random.nextBoolean()) {
            b.put((byte) 252).putInt(random.nextInt());
        }
        if (random.nextBoolean()) {
            int image = 20 + random.nextInt(300);
            int data = random.nextInt(40);
            b.put((byte) 0).put((byte) (0x10 | 0x20)).putShort((short) data);
            b.putShort((short) image).putShort((short) 0).put((byte) (0x01 | 0x04)).putShort((short) 100);
            b.putInt(1663).putInt(5).putInt(16384).putInt(random.nextInt(1000));
            blockData = image + data;
        }
        if (mainLength < 256) {
            b.put((byte) 255).put((byte) mainLength);
        } else {
            b.put((byte) 254).putInt(mainLength);
        }
        padding[0] = blockData;
        byte[] out = new byte[b.position()];
        b.get(0, out);
        return out;
    }

    @Test
    void findsTheLastTransactionEndInRandomSegments() {
        Random random = new Random(20261125);
        for (int round = 0; round < 60; round++) {
            SegmentWriter w = new SegmentWriter(random.nextInt(3) == 0 ? random.nextInt(20_000) : 0);
            Instant expectedTime = null;
            long expectedLsn = -1;
            int records = 0;
            int limit = random.nextInt(3) == 0 ? 10 : 5000;
            Instant clock = Instant.parse("2026-11-25T10:00:00Z");
            while (records < limit) {
                boolean commit = random.nextInt(4) == 0;
                clock = clock.plusNanos(random.nextInt(1_000_000) * 1000L);
                byte[] main = commit ? commitMainData(clock) : new byte[random.nextInt(random.nextInt(5) == 0 ? 20_000 : 200)];
                random.nextBytes(commit ? new byte[0] : main);
                int[] padding = new int[1];
                byte[] headers = headers(random, main.length, padding);
                int rmid = commit ? 1 : 2 + random.nextInt(10);
                int info = commit ? (random.nextBoolean() ? 0x00 : 0x80) : random.nextInt(256);
                long lsn = w.record(rmid, info, headers, main, padding[0]);
                if (lsn < 0) {
                    break;
                }
                records++;
                if (commit) {
                    expectedTime = clock;
                    expectedLsn = lsn;
                }
            }
            WalRecordScanner.Scan scan = WalRecordScanner.scan(w.out.array());
            assertThat(scan.records()).as("round %d", round).isEqualTo(records);
            assertThat(scan.lastTransactionTime()).as("round %d", round).isEqualTo(expectedTime);
            if (expectedTime != null) {
                assertThat(scan.lastTransactionLsn()).isEqualTo(expectedLsn);
            }
            assertThat(scan.endLsn()).isEqualTo(records == 0 ? 0 : BASE + w.lastEnd);
        }
    }

    @Test
    void aDamagedRecordEndsTheScanThere() {
        SegmentWriter w = new SegmentWriter(0);
        int[] padding = new int[1];
        Random random = new Random(1);
        w.record(1, 0, headers(random, 8, padding), commitMainData(Instant.parse("2026-11-25T10:00:00Z")), padding[0]);
        int damagedAt = w.pos;
        w.record(1, 0, headers(random, 8, padding), commitMainData(Instant.parse("2026-11-25T10:00:05Z")), padding[0]);
        w.out.put(damagedAt + 30, (byte) (w.out.get(damagedAt + 30) ^ 1));
        WalRecordScanner.Scan scan = WalRecordScanner.scan(w.out.array());
        assertThat(scan.records()).isEqualTo(1);
        assertThat(scan.lastTransactionTime()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
    }

    @Test
    void bytesThatAreNotASegmentYieldNothing() {
        assertThat(WalRecordScanner.scan(new byte[100]).records()).isZero();
        assertThat(WalRecordScanner.scan(new byte[SEGMENT]).lastTransactionTime()).isNull();
    }
}
