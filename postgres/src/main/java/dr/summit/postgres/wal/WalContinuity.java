package dr.summit.postgres.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Finds holes in an archive: every segment from a base backup's start segment to the newest
 * archived segment of its timeline must be there, or recovery stops at the hole. Pure: works on
 * archived file names.
 */
public final class WalContinuity {
    private WalContinuity() {
    }

    /** Segment number containing {@code lsn} ("X/Y"). */
    public static long segmentOf(String lsn, long segmentSize) {
        return Lsn.parse(lsn) / segmentSize;
    }

    public static long segmentsPerLogicalFile(long segmentSize) {
        return 0x1_0000_0000L / segmentSize;
    }

    /** What the archive holds for one timeline from a start segment on. */
    public record Report(String firstSegment, String lastSegment, List<String> missing) {
        public boolean complete() {
            return missing.isEmpty();
        }
    }

    /**
     * Missing segments of {@code timeline} between {@code startSegment} and the newest archived
     * segment of that timeline (at most 1000 names listed).
     */
    public static Report check(List<String> archivedNames, int timeline, long startSegment, long segmentSize) {
        long perFile = segmentsPerLogicalFile(segmentSize);
        TreeSet<Long> present = new TreeSet<>();
        for (String name : archivedNames) {
            WalFileName parsed;
            try {
                parsed = WalFileName.parse(name);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (parsed.kind() == WalFileName.Kind.SEGMENT && parsed.timeline() == timeline) {
                present.add(parsed.segmentNumber(perFile));
            }
        }
        String first = WalFileName.segmentName(timeline, startSegment, perFile);
        if (present.isEmpty() || present.last() < startSegment) {
            return new Report(first, null, List.of(first));
        }
        List<String> missing = new ArrayList<>();
        for (long seg = startSegment; seg <= present.last() && missing.size() < 1000; seg++) {
            if (!present.contains(seg)) {
                missing.add(WalFileName.segmentName(timeline, seg, perFile));
            }
        }
        return new Report(first, WalFileName.segmentName(timeline, present.last(), perFile), missing);
    }
}
