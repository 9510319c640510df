package dr.summit.postgres.wal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The block scanner against WAL written here in PostgreSQL 15's layout as one stream over several
 * small segments: records that span pages and segments, block references with and without
 * images and SAME_REL, main data, and the ways it must refuse to go on (a missing segment, a bad
 * CRC, a broken xl_prev chain, a recycled segment).
 */
class WalBlockScannerTest {
    private static final int PAGE = 8192;
    private static final int SEGMENT = 64 * 1024;
    private static final long FIRST = 3L * SEGMENT;

    /** Writes records into consecutive segments, inserting page headers as PostgreSQL does. */
    private static final class WalWriter {
        final Map<Long, ByteBuffer> segments = new HashMap<>();
        long pos = FIRST + 40;
        long prev = 0;
        final List<Long> starts = new ArrayList<>();

        private ByteBuffer seg(long lsn) {
            return segments.computeIfAbsent(lsn / SEGMENT, n -> ByteBuffer.allocate(SEGMENT).order(ByteOrder.LITTLE_ENDIAN));
        }

        private void pageHeader(long page, boolean continuation) {
            ByteBuffer b = seg(page);
            int at = (int) (page % SEGMENT);
            boolean first = at == 0;
            b.putShort(at, (short) 0xD110);
            b.putShort(at + 2, (short) ((first ? 2 : 0) | (continuation ? 1 : 0)));
            b.putInt(at + 4, 1);
            b.putLong(at + 8, page);
            if (first) {
                b.putLong(at + 24, 7_000_000_000_000L);
                b.putInt(at + 32, SEGMENT);
                b.putInt(at + 36, PAGE);
            }
        }

        {
            pageHeader(FIRST, false);
        }

        private void put(byte[] bytes) {
            for (byte x : bytes) {
                if (pos % PAGE == 0) {
                    pageHeader(pos, true);
                    pos += pos % SEGMENT == 0 ? 40 : 24;
                }
                seg(pos).put((int) (pos % SEGMENT), x);
                pos++;
            }
        }

        /** One record: the block headers and payloads given, main data last. */
        long record(int rmid, int info, byte[] blockHeaders, byte[] payloads, byte[] main) {
            ByteBuffer r = ByteBuffer.allocate(24 + blockHeaders.length + (main.length > 0 ? 2 : 0) + payloads.length + main.length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            r.putInt(0, r.capacity());
            r.putLong(8, prev);
            r.put(16, (byte) info);
            r.put(17, (byte) rmid);
            r.position(24);
            r.put(blockHeaders);
            if (main.length > 0) {
                r.put((byte) 255).put((byte) main.length);
            }
            r.put(payloads).put(main);
            CRC32C crc = new CRC32C();
            crc.update(r.array(), 24, r.capacity() - 24);
            crc.update(r.array(), 0, 20);
            r.putInt(20, (int) crc.getValue());
            if (pos % PAGE == 0) {
                pageHeader(pos, false);
                pos += pos % SEGMENT == 0 ? 40 : 24;
            }
            long start = pos;
            starts.add(start);
            put(r.array());
            prev = start;
            pos = (pos + 7) & ~7L;
            return start;
        }

        WalBlockScanner.SegmentSource source() {
            return n -> segments.containsKey(n) ? segments.get(n).array().clone() : null;
        }
    }

    /** A block header: id, fork, data length, optional image, relation (unless same), block number. */
    private static byte[] block(int id, int fork, int dataLength, int imageLength, boolean sameRel, int spc, int db, int rel, int blockNo) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) id).put((byte) (fork | (imageLength > 0 ? 0x10 : 0) | (dataLength > 0 ? 0x20 : 0) | (sameRel ? 0x80 : 0)));
        b.putShort((short) dataLength);
        if (imageLength > 0) {
            b.putShort((short) imageLength).putShort((short) 0).put((byte) 0);
        }
        if (!sameRel) {
            b.putInt(spc).putInt(db).putInt(rel);
        }
        b.putInt(blockNo);
        byte[] out = new byte[b.position()];
        b.get(0, out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    private static final class Seen implements WalBlockScanner.Visitor {
        final List<String> blocks = new ArrayList<>();
        final List<String> records = new ArrayList<>();
        String broken;

        @Override
        public void block(long lsn, int spcOid, int dbOid, int relNumber, int fork, long blockNo) {
            blocks.add(spcOid + "/" + dbOid + "/" + relNumber + " fork " + fork + " block " + blockNo);
        }

        @Override
        public void record(long lsn, int rmid, int info, ByteBuffer mainData) {
            records.add(rmid + ":" + Integer.toHexString(info) + ":" + mainData.remaining());
        }

        @Override
        public void broken(long lsn, String why) {
            broken = why;
        }
    }

    private static WalWriter sample() {
        WalWriter w = new WalWriter();
        Random random = new Random(42);
        for (int i = 0; i < 40; i++) {
            // Records of every size, some with a full-page image, so that they span pages and segments.
            int image = i % 3 == 0 ? 3000 + random.nextInt(5000) : 0;
            byte[] headers = concat(block(0, 0, 20, image, false, 1663, 5, 16384 + i % 4, i * 7),
                    block(1, i % 2 == 0 ? 0 : 2, 0, 0, true, 0, 0, 0, i * 7 + 1));
            w.record(10, 0x00, headers, new byte[20 + image], new byte[] {1, 2, 3, 4, 5, 6});
        }
        return w;
    }

    @Test
    void readsEveryBlockReferenceAcrossPagesAndSegments() {
        WalWriter w = sample();
        assertThat(w.segments.size()).as("the sample spans segments").isGreaterThanOrEqualTo(2);
        Seen seen = new Seen();
        boolean complete = WalBlockScanner.scan(w.source(), SEGMENT, w.starts.get(0), w.pos, seen);
        assertThat(seen.broken).isNull();
        assertThat(complete).isTrue();
        assertThat(seen.records).hasSize(40).allMatch(r -> r.equals("10:0:6"));
        assertThat(seen.blocks).hasSize(80);
        assertThat(seen.blocks.get(0)).isEqualTo("1663/5/16384 fork 0 block 0");
        assertThat(seen.blocks.get(1)).as("SAME_REL: the relation of the block before").isEqualTo("1663/5/16384 fork 0 block 1");
        assertThat(seen.blocks.get(79)).isEqualTo("1663/5/16387 fork 2 block 274");
    }

    @Test
    void walksOnlyTheRecordsThatStartBeforeTheEnd() {
        WalWriter w = sample();
        Seen seen = new Seen();
        assertThat(WalBlockScanner.scan(w.source(), SEGMENT, w.starts.get(5), w.starts.get(9), seen)).isTrue();
        assertThat(seen.records).hasSize(4);
    }

    @Test
    void aMissingSegmentBreaksTheWalk() {
        WalWriter w = sample();
        w.segments.remove(FIRST / SEGMENT + 1);
        Seen seen = new Seen();
        assertThat(WalBlockScanner.scan(w.source(), SEGMENT, w.starts.get(0), w.pos, seen)).isFalse();
        assertThat(seen.broken).contains("not available");
    }

    @Test
    void aDamagedRecordBreaksTheWalk() {
        WalWriter w = sample();
        long victim = w.starts.get(20) + 30;
        ByteBuffer seg = w.segments.get(victim / SEGMENT);
        seg.put((int) (victim % SEGMENT), (byte) (seg.get((int) (victim % SEGMENT)) ^ 1));
        Seen seen = new Seen();
        assertThat(WalBlockScanner.scan(w.source(), SEGMENT, w.starts.get(0), w.pos, seen)).isFalse();
        assertThat(seen.broken).isNotNull();
        assertThat(seen.records.size()).isLessThanOrEqualTo(20);
    }

    @Test
    void aRecycledSegmentIsNotRead() {
        WalWriter w = sample();
        // A recycled file keeps an older segment's page addresses.
        ByteBuffer seg = w.segments.get(FIRST / SEGMENT + 1);
        seg.putLong(8, FIRST - SEGMENT);
        Seen seen = new Seen();
        assertThat(WalBlockScanner.scan(w.source(), SEGMENT, w.starts.get(0), w.pos, seen)).isFalse();
        assertThat(seen.broken).contains("recycled");
    }

    @Test
    void aRecordThatDoesNotChainToThePreviousOneBreaksTheWalk() {
        WalWriter w = new WalWriter();
        w.record(10, 0, new byte[0], new byte[0], new byte[] {1});
        w.prev = 12345;
        w.record(10, 0, new byte[0], new byte[0], new byte[] {2});
        Seen seen = new Seen();
        assertThat(WalBlockScanner.scan(w.source(), SEGMENT, w.starts.get(0), w.pos, seen)).isFalse();
        assertThat(seen.broken).contains("does not follow");
        assertThat(seen.records).hasSize(1);
    }
}
