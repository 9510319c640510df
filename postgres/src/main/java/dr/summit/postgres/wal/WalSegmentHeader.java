package dr.summit.postgres.wal;

/**
 * Reads the system identifier from a WAL segment's first page (XLogLongPageHeaderData: magic u16,
 * info u16, timeline u32, pageaddr u64, rem_len u32, 4 bytes padding, then xlp_sysid u64 at offset 24 —
 * little-endian on the platforms PostgreSQL runs on here). Used to refuse a segment of another
 * cluster before it pollutes this cluster's archive.
 */
public final class WalSegmentHeader {
    /** XLP_LONG_HEADER: set in the first page header of every segment. */
    private static final int XLP_LONG_HEADER = 0x0002;

    private WalSegmentHeader() {
    }

    /** The system identifier, or -1 if the bytes do not start with a long page header. */
    public static long systemIdentifier(byte[] segment) {
        if (segment.length < 32) {
            return -1;
        }
        int info = (segment[2] & 0xFF) | ((segment[3] & 0xFF) << 8);
        if ((info & XLP_LONG_HEADER) == 0) {
            return -1;
        }
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = (id << 8) | (segment[24 + i] & 0xFF);
        }
        return id;
    }

    /** xlp_seg_size (u32 at offset 32 of the long page header), or -1 if the bytes do not start with one. */
    public static int segmentSize(byte[] segment) {
        if (segment.length < 36 || systemIdentifier(segment) < 0) {
            return -1;
        }
        return (segment[32] & 0xFF) | (segment[33] & 0xFF) << 8 | (segment[34] & 0xFF) << 16 | (segment[35] & 0xFF) << 24;
    }
}
