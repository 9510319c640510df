package dr.summit.postgres.wal;

/** Segment arithmetic: which segment holds an LSN, how many segments make one logical file. */
public final class WalSegments {
    private WalSegments() {
    }

    /** Segment number containing {@code lsn} ("X/Y"). */
    public static long segmentOf(String lsn, long segmentSize) {
        return Lsn.parse(lsn) / segmentSize;
    }

    public static long segmentsPerLogicalFile(long segmentSize) {
        return 0x1_0000_0000L / segmentSize;
    }
}
