package dr.summit.postgres.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.zip.CRC32C;

/**
 * Walks the records of one archived WAL segment to find the last transaction end (commit or
 * abort) and its timestamp: the newest time a {@code --target-time} recovery can reach with this
 * segment. Only record headers and transaction records are decoded (XLogPageHeaderData,
 * XLogRecord, block headers as PostgreSQL 15 and 16 lay them out; 14 numbers the compressed-image
 * flags differently); every record's CRC-32C is checked and the walk
 * stops at the first record that is absent, torn or not valid, so stale bytes of a recycled
 * segment are never read as records.
 *
 * <p>Why pages are stripped first: a record may span pages, and its bytes continue right after
 * the next page header. Page headers are 24 or 40 bytes and pages a multiple of 8 bytes, so the
 * stripped stream keeps the 8-byte alignment of record starts.
 */
public final class WalRecordScanner {
    private static final int XLP_FIRST_IS_CONTRECORD = 0x0001;
    private static final int XLP_LONG_HEADER = 0x0002;
    private static final int LONG_HEADER = 40;
    private static final int SHORT_HEADER = 24;
    private static final int RECORD_HEADER = 24;
    private static final int RM_XLOG_ID = 0;
    private static final int RM_XACT_ID = 1;
    private static final int XLOG_SWITCH = 0x40;
    private static final int XLOG_XACT_OPMASK = 0x70;
    private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L; // 2000-01-01T00:00:00Z

    private WalRecordScanner() {
    }

    /**
     * What a segment holds. {@code endLsn}: the end of its last valid record (0 if none);
     * {@code lastTransactionTime}/{@code lastTransactionLsn}: of its last commit or abort, or null.
     */
    public record Scan(int records, long endLsn, Instant lastTransactionTime, Long lastTransactionLsn) {
    }

    /** Scans a whole segment (its bytes as archived). */
    public static Scan scan(byte[] segment) {
        ByteBuffer in = ByteBuffer.wrap(segment).order(ByteOrder.LITTLE_ENDIAN);
        if (segment.length < LONG_HEADER || (in.getShort(2) & XLP_LONG_HEADER) == 0) {
            return new Scan(0, 0, null, null);
        }
        int pageSize = in.getInt(36);
        long segmentStart = in.getLong(8);
        if (pageSize < 1024 || pageSize % 8 != 0 || segment.length % pageSize != 0) {
            return new Scan(0, 0, null, null);
        }
        Stream stream = Stream.strip(in, segment.length, pageSize, segmentStart);
        int pos = 0;
        if ((in.getShort(2) & XLP_FIRST_IS_CONTRECORD) != 0) {
            pos = align(in.getInt(16)); // the tail of a record that began in the previous segment
        }
        int records = 0;
        long end = 0;
        Instant lastTime = null;
        Long lastLsn = null;
        ByteBuffer s = stream.bytes;
        CRC32C crc = new CRC32C();
        while (pos + RECORD_HEADER <= stream.length) {
            int total = s.getInt(pos);
            if (total < RECORD_HEADER || total > stream.length - pos) {
                break;
            }
            crc.reset();
            crc.update(s.array(), pos + RECORD_HEADER, total - RECORD_HEADER);
            crc.update(s.array(), pos, 20);
            if ((int) crc.getValue() != s.getInt(pos + 20)) {
                break;
            }
            records++;
            end = stream.lsnOf(pos + total - 1) + 1;
            int info = s.get(pos + 16) & 0xFF;
            int rmid = s.get(pos + 17) & 0xFF;
            if (rmid == RM_XACT_ID && isTransactionEnd(info)) {
                long mainData = mainDataLength(s, pos, total);
                if (mainData >= 8) {
                    long micros = s.getLong(pos + total - (int) mainData);
                    lastTime = Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L),
                            Math.floorMod(micros, 1_000_000L) * 1000L);
                    lastLsn = stream.lsnOf(pos);
                }
            }
            if (rmid == RM_XLOG_ID && (info & 0xF0) == XLOG_SWITCH) {
                break; // the rest of the segment is padding
            }
            pos = align(pos + total);
        }
        return new Scan(records, end, lastTime, lastLsn);
    }

    /** Commit, commit prepared, abort, abort prepared: the records a time target stops at. */
    private static boolean isTransactionEnd(int info) {
        int op = info & XLOG_XACT_OPMASK;
        return op == 0x00 || op == 0x20 || op == 0x30 || op == 0x40;
    }

    /**
     * Length of the record's main data, which is its last bytes; -1 if the block headers are not
     * understood. Walks the headers: block references (with optional image header and relation),
     * replication origin, top-level xid, then the main-data length (short or long form).
     */
    private static long mainDataLength(ByteBuffer s, int record, int total) {
        int p = record + RECORD_HEADER;
        int end = record + total;
        while (p < end) {
            int id = s.get(p++) & 0xFF;
            switch (id) {
                case 255: return s.get(p) & 0xFF;
                case 254: return s.getInt(p) & 0xFFFF_FFFFL;
                case 253: p += 2; continue;
                case 252: p += 4; continue;
                default:
                    if (id > 32) {
                        return -1;
                    }
                    int forkFlags = s.get(p) & 0xFF;
                    p += 3; // fork_flags, data_length
                    if ((forkFlags & 0x10) != 0) { // BKPBLOCK_HAS_IMAGE
                        int imageInfo = s.get(p + 4) & 0xFF;
                        p += 5;
                        if ((imageInfo & 0x01) != 0 && (imageInfo & 0x1C) != 0) { // hole and compressed
                            p += 2;
                        }
                    }
                    if ((forkFlags & 0x80) == 0) { // not BKPBLOCK_SAME_REL: a RelFileNode follows
                        p += 12;
                    }
                    p += 4; // block number
            }
        }
        return 0;
    }

    private static int align(int offset) {
        return (offset + 7) & ~7;
    }

    /** The segment's page contents without page headers, and the way back to LSNs. */
    private static final class Stream {
        final ByteBuffer bytes;
        final int length;
        final long segmentStart;
        final int pageSize;

        private Stream(ByteBuffer bytes, int length, long segmentStart, int pageSize) {
            this.bytes = bytes;
            this.length = length;
            this.segmentStart = segmentStart;
            this.pageSize = pageSize;
        }

        /**
         * Stops at the first page whose header is not this segment's (never written, or stale): the
         * magic (WAL format version) of the first page and the expected page address.
         */
        static Stream strip(ByteBuffer in, int size, int pageSize, long segmentStart) {
            byte[] out = new byte[size];
            int length = 0;
            for (int page = 0; page < size; page += pageSize) {
                int info = in.getShort(page + 2) & 0xFFFF;
                if (in.getShort(page) != in.getShort(0) || in.getLong(page + 8) != segmentStart + page) {
                    break;
                }
                int header = (info & XLP_LONG_HEADER) != 0 ? LONG_HEADER : SHORT_HEADER;
                if (page == 0 && header != LONG_HEADER || page != 0 && header != SHORT_HEADER) {
                    break;
                }
                System.arraycopy(in.array(), page + header, out, length, pageSize - header);
                length += pageSize - header;
            }
            return new Stream(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN), length, segmentStart, pageSize);
        }

        long lsnOf(int offset) {
            int firstPayload = pageSize - LONG_HEADER;
            if (offset < firstPayload) {
                return segmentStart + LONG_HEADER + offset;
            }
            int rest = offset - firstPayload;
            int perPage = pageSize - SHORT_HEADER;
            return segmentStart + (long) (rest / perPage + 1) * pageSize + SHORT_HEADER + rest % perPage;
        }
    }
}
