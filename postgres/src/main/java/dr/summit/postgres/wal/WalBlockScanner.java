package dr.summit.postgres.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Reads the WAL between two LSNs as one continuous stream of records — across page and segment
 * boundaries, unlike {@link WalRecordScanner}, which looks at one segment alone — and reports every
 * block reference and every record that changes relation files outside of block references. It is
 * what a WAL-derived incremental backup trusts to skip reading a file range, so it is strict: the
 * first record that is missing, torn, fails its CRC, does not chain to the one before it
 * (xl_prev), or whose headers it does not understand ends the walk as {@link Visitor#broken}.
 *
 * <p>Layout read (PostgreSQL 15 and 16, xlogrecord.h): the 24-byte XLogRecord, then block headers
 * (id ≤ 32: fork_flags, data_length, an image header when BKPBLOCK_HAS_IMAGE — plus the hole
 * length when the image has a hole and is compressed —, a RelFileLocator unless BKPBLOCK_SAME_REL,
 * the block number), the origin (253) and top-level xid (252) headers, the main-data header (255
 * short, 254 long); then the payloads in the same order, main data last. The walk checks, as
 * PostgreSQL's decoder does, that the headers announce exactly the record's remaining bytes.
 */
public final class WalBlockScanner {
    public static final int RM_XLOG_ID = 0;
    public static final int RM_SMGR_ID = 2;
    public static final int RM_DBASE_ID = 4;
    public static final int RM_TBLSPC_ID = 5;
    private static final int XLOG_SWITCH = 0x40;
    private static final int XLP_FIRST_IS_CONTRECORD = 0x0001;
    private static final int XLP_LONG_HEADER = 0x0002;
    private static final int LONG_HEADER = 40;
    private static final int SHORT_HEADER = 24;
    private static final int RECORD_HEADER = 24;
    private static final int MAX_RECORD = 1 << 30;

    /** Bytes of one segment by number; null when not available. */
    @FunctionalInterface
    public interface SegmentSource {
        byte[] segment(long segmentNumber);
    }

    /** What the walk finds, in WAL order. */
    public interface Visitor {
        /** A block of a relation fork that the record at {@code lsn} changes. */
        void block(long lsn, int spcOid, int dbOid, int relNumber, int fork, long block);

        /** Every record: its resource manager, info byte and main data (a view valid during the call only). */
        void record(long lsn, int rmid, int info, ByteBuffer mainData);

        /** The walk could not go on: the WAL from {@code lsn} is missing or not understood. */
        void broken(long lsn, String why);

        /** True when the visitor has seen enough: the walk ends after the current record. */
        default boolean done() {
            return false;
        }
    }

    private final SegmentSource source;
    private final long segmentSize;
    private byte[] record = new byte[8192];
    // A record has at most 33 block references (ids 0..32): their fields, reused record after record.
    private final long[] blocks = new long[33];
    private final int[] spcs = new int[33];
    private final int[] dbs = new int[33];
    private final int[] rels = new int[33];
    private final int[] forks = new int[33];
    private ByteBuffer segment;
    private long loaded = -1;
    private int pageSize;
    private short magic;

    private WalBlockScanner(SegmentSource source, long segmentSize) {
        this.source = source;
        this.segmentSize = segmentSize;
    }

    /**
     * Walks the records that start in [{@code from}, {@code to}); {@code from} must be a record's
     * start (a backup's start LSN is: the redo point of its checkpoint). Returns true when every
     * record up to {@code to} was read; false after {@link Visitor#broken} or when the visitor
     * was {@link Visitor#done} early.
     */
    public static boolean scan(SegmentSource source, long segmentSize, long from, long to, Visitor visitor) {
        return new WalBlockScanner(source, segmentSize).walk(from, to, visitor);
    }

    private boolean walk(long from, long to, Visitor visitor) {
        long lsn = from;
        long prev = -1;
        CRC32C crc = new CRC32C();
        byte[] header = new byte[RECORD_HEADER];
        while (Long.compareUnsigned(lsn, to) < 0) {
            String problem = read(lsn, header, RECORD_HEADER, false);
            if (problem != null) {
                visitor.broken(lsn, problem);
                return false;
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            int total = h.getInt(0);
            if (total < RECORD_HEADER || total > MAX_RECORD) {
                visitor.broken(lsn, "record length " + Integer.toUnsignedString(total) + " is not valid");
                return false;
            }
            if (prev >= 0 && h.getLong(8) != prev) {
                visitor.broken(lsn, "record does not follow the one at " + Lsn.format(prev));
                return false;
            }
            // One buffer for every record (grown when needed): the walk reads hundreds of thousands.
            if (record.length < total) {
                record = new byte[Math.max(total, record.length * 2)];
            }
            byte[] bytes = record;
            problem = read(lsn, bytes, total, true);
            if (problem != null) {
                visitor.broken(lsn, problem);
                return false;
            }
            crc.reset();
            crc.update(bytes, RECORD_HEADER, total - RECORD_HEADER);
            crc.update(bytes, 0, 20);
            if ((int) crc.getValue() != h.getInt(20)) {
                visitor.broken(lsn, "record CRC does not match");
                return false;
            }
            int info = bytes[16] & 0xFF;
            int rmid = bytes[17] & 0xFF;
            String headers = decode(lsn, ByteBuffer.wrap(bytes, 0, total).slice().order(ByteOrder.LITTLE_ENDIAN), rmid, info, visitor);
            if (headers != null) {
                visitor.broken(lsn, headers);
                return false;
            }
            if (visitor.done()) {
                return false;
            }
            prev = lsn;
            long end = advance(lsn, total);
            if (rmid == RM_XLOG_ID && (info & 0xF0) == XLOG_SWITCH) {
                // The rest of the segment is unused: the next record starts in the next segment.
                end = (lsn / segmentSize + 1) * segmentSize;
            }
            lsn = recordStart((end + 7) & ~7L);
        }
        return true;
    }

    /** The LSN after {@code length} stream bytes from {@code lsn}, page headers skipped. */
    private long advance(long lsn, int length) {
        long at = lsn;
        int left = length;
        while (left > 0) {
            at = recordStart(at);
            int room = (int) (pageSize - at % pageSize);
            int n = Math.min(room, left);
            at += n;
            left -= n;
        }
        return at;
    }

    /** A position at a page's first byte means the byte after its header. */
    private long recordStart(long at) {
        if (pageSize == 0 || at % pageSize != 0) {
            return at;
        }
        return at + (at % segmentSize == 0 ? LONG_HEADER : SHORT_HEADER);
    }

    /** Copies {@code length} stream bytes from {@code lsn} into {@code out}; a problem, or null. */
    private String read(long lsn, byte[] out, int length, boolean whole) {
        long at = lsn;
        int done = 0;
        boolean first = true;
        while (done < length) {
            String problem = load(at / segmentSize);
            if (problem != null) {
                return problem;
            }
            if (at % pageSize == 0) {
                long page = at;
                int offset = (int) (page % segmentSize);
                if (segment.getShort(offset) != magic || segment.getLong(offset + 8) != page) {
                    return "WAL page " + Lsn.format(page) + " is not there (stale or never written)";
                }
                int flags = segment.getShort(offset + 2) & 0xFFFF;
                boolean isLong = (flags & XLP_LONG_HEADER) != 0;
                if (isLong != (offset == 0)) {
                    return "WAL page " + Lsn.format(page) + " has a header of the wrong kind";
                }
                if (!first && (flags & XLP_FIRST_IS_CONTRECORD) == 0) {
                    return "WAL page " + Lsn.format(page) + " does not continue the record at " + Lsn.format(lsn);
                }
                at += isLong ? LONG_HEADER : SHORT_HEADER;
            } else if (first && at % pageSize < SHORT_HEADER) {
                return "record position " + Lsn.format(at) + " is inside a page header";
            }
            int offset = (int) (at % segmentSize);
            int room = (int) (pageSize - at % pageSize);
            int n = Math.min(room, length - done);
            segment.get(offset, out, done, n);
            done += n;
            at += n;
            first = false;
        }
        return null;
    }

    private String load(long number) {
        if (number == loaded) {
            return null;
        }
        byte[] bytes = source.segment(number);
        if (bytes == null) {
            return "WAL segment " + number + " is not available";
        }
        if (bytes.length != segmentSize) {
            return "WAL segment " + number + " has " + bytes.length + " bytes, not " + segmentSize;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(2) & XLP_LONG_HEADER) == 0 || b.getLong(8) != number * segmentSize) {
            return "WAL segment " + number + " does not start with its own long page header (a recycled file?)";
        }
        int size = b.getInt(36);
        if (size < 1024 || size % 8 != 0 || segmentSize % size != 0 || pageSize != 0 && size != pageSize) {
            return "WAL segment " + number + " has an unexpected page size " + size;
        }
        if (loaded >= 0 && b.getShort(0) != magic) {
            return "WAL segment " + number + " has another WAL format version";
        }
        pageSize = size;
        magic = b.getShort(0);
        segment = b;
        loaded = number;
        return null;
    }

    /** Reports the record's block references and main data; a problem, or null. */
    private String decode(long lsn, ByteBuffer r, int rmid, int info, Visitor visitor) {
        int total = r.limit();
        int p = RECORD_HEADER;
        long remaining = total - RECORD_HEADER;
        long payload = 0;
        long mainData = 0;
        int spc = 0;
        int db = 0;
        int rel = 0;
        boolean haveRel = false;
        int maxBlockSeen = -1;
        int refs = 0;
        try {
            while (remaining > payload) {
                int id = r.get(p++) & 0xFF;
                remaining--;
                if (id == 255) {
                    mainData = r.get(p++) & 0xFF;
                    remaining--;
                    payload += mainData;
                    break;
                } else if (id == 254) {
                    mainData = r.getInt(p) & 0xFFFF_FFFFL;
                    p += 4;
                    remaining -= 4;
                    payload += mainData;
                    break;
                } else if (id == 253) {
                    p += 2;
                    remaining -= 2;
                } else if (id == 252) {
                    p += 4;
                    remaining -= 4;
                } else if (id <= 32) {
                    if (id <= maxBlockSeen) {
                        return "block id " + id + " out of order";
                    }
                    maxBlockSeen = id;
                    int forkFlags = r.get(p) & 0xFF;
                    int dataLength = r.getShort(p + 1) & 0xFFFF;
                    p += 3;
                    remaining -= 3;
                    payload += dataLength;
                    if ((forkFlags & 0x10) != 0) { // BKPBLOCK_HAS_IMAGE
                        int imageLength = r.getShort(p) & 0xFFFF;
                        int imageInfo = r.get(p + 4) & 0xFF;
                        p += 5;
                        remaining -= 5;
                        payload += imageLength;
                        if ((imageInfo & 0x01) != 0 && (imageInfo & 0x1C) != 0) { // hole and compressed
                            p += 2;
                            remaining -= 2;
                        }
                    }
                    if ((forkFlags & 0x80) == 0) { // not BKPBLOCK_SAME_REL
                        spc = r.getInt(p);
                        db = r.getInt(p + 4);
                        rel = r.getInt(p + 8);
                        haveRel = true;
                        p += 12;
                        remaining -= 12;
                    } else if (!haveRel) {
                        return "block " + id + " refers to the relation of a previous block, and there is none";
                    }
                    blocks[refs] = r.getInt(p) & 0xFFFF_FFFFL;
                    spcs[refs] = spc;
                    dbs[refs] = db;
                    rels[refs] = rel;
                    forks[refs] = forkFlags & 0x0F;
                    refs++;
                    p += 4;
                    remaining -= 4;
                } else {
                    return "unknown block id " + id;
                }
            }
        } catch (IndexOutOfBoundsException e) {
            return "record headers run past the record's end";
        }
        if (remaining != payload) {
            return "record headers announce " + payload + " payload bytes, the record has " + remaining;
        }
        for (int i = 0; i < refs; i++) {
            visitor.block(lsn, spcs[i], dbs[i], rels[i], forks[i], blocks[i]);
        }
        ByteBuffer main = r.slice(total - (int) mainData, (int) mainData).order(ByteOrder.LITTLE_ENDIAN);
        visitor.record(lsn, rmid, info, main);
        return null;
    }
}
