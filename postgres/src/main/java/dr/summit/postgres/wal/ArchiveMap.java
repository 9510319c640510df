package dr.summit.postgres.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a WAL archive holds, timeline by timeline, and how far recovery from a base backup can go
 * in it. Pure: works on archived file names and parsed history files.
 *
 * <p>Recovery from a backup replays its timeline from the backup's start segment for as long as
 * segments follow without a hole. Where a newer timeline branched off (its history file says at
 * which LSN), recovery with {@code recovery_target_timeline = latest} switches to it — provided
 * the old timeline's WAL reaches the branch point — reading the branch segment under the new
 * timeline's name. Among several branches it follows the one leading to the highest timeline.
 */
public final class ArchiveMap {
    private final long segmentSize;
    private final long perFile;
    private final Map<Integer, NavigableSet<Long>> segments = new TreeMap<>();
    private final Map<Integer, TimelineHistory> histories = new TreeMap<>();
    private static final NavigableSet<Long> EMPTY = java.util.Collections.emptyNavigableSet();

    /**
     * @param archivedNames file names in the archive (segments, history, backup history, partial)
     * @param histories     the parsed history files, by timeline
     */
    public ArchiveMap(List<String> archivedNames, Map<Integer, TimelineHistory> histories, long segmentSize) {
        this.segmentSize = segmentSize;
        this.perFile = WalSegments.segmentsPerLogicalFile(segmentSize);
        this.histories.putAll(histories);
        for (String name : archivedNames) {
            WalFileName parsed;
            try {
                parsed = WalFileName.parse(name);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (parsed.kind() == WalFileName.Kind.SEGMENT) {
                segments.computeIfAbsent(parsed.timeline(), t -> new TreeSet<>()).add(parsed.segmentNumber(perFile));
            }
        }
    }

    /** A run of consecutive segments (or of missing ones). */
    public record Range(String first, String last, long count) {
        /** "first" or "first..last", for messages. */
        public String label() {
            return count == 1 ? first : first + ".." + last;
        }
    }

    /** One timeline: where it came from, the runs of segments archived and the holes between them. */
    public record Timeline(int id, Integer parent, String branchLsn, List<Range> archived, List<Range> missing) {
    }

    /** Every timeline with segments or a history file, in order. */
    public List<Timeline> timelines() {
        TreeSet<Integer> ids = new TreeSet<>(segments.keySet());
        ids.addAll(histories.keySet());
        List<Timeline> out = new ArrayList<>();
        for (int id : ids) {
            TimelineHistory h = histories.get(id);
            List<Range> archived = new ArrayList<>();
            List<Range> missing = new ArrayList<>();
            Long runStart = null;
            long previous = 0;
            for (long seg : segmentsOf(id)) {
                if (runStart == null) {
                    runStart = seg;
                } else if (seg != previous + 1) {
                    archived.add(range(id, runStart, previous));
                    missing.add(range(id, previous + 1, seg - 1));
                    runStart = seg;
                }
                previous = seg;
            }
            if (runStart != null) {
                archived.add(range(id, runStart, previous));
            }
            out.add(new Timeline(id, h == null ? null : h.parent(), h == null ? null : Lsn.format(h.branchLsn()), archived, missing));
        }
        return out;
    }

    /**
     * How far recovery from a backup goes. {@code path}: the timelines followed; {@code firstSegment}:
     * the backup's start segment; {@code lastSegment}:
     * the name of the last segment it can read (null if not even the backup's own WAL is there);
     * {@code endLsn}: the end of that segment; {@code firstMissing}: the hole where it stops while
     * newer WAL of that timeline is archived (null if it reaches the newest segment);
     * {@code consistent}: whether the WAL up to the backup's stop point is there at all.
     */
    public record Reach(List<Integer> path, String firstSegment, String lastSegment, Long endLsn, String firstMissing, boolean consistent) {
        /** The timeline recovery ends on. */
        public int lastTimeline() {
            return path.get(path.size() - 1);
        }
    }

    /** Recovery along the latest timeline (PostgreSQL's default recovery_target_timeline). */
    public Reach reach(int timeline, long startLsn, long stopLsn) {
        return reach(timeline, startLsn, stopLsn, null);
    }

    /**
     * Recovery from a backup that started at {@code startLsn} and ended at {@code stopLsn} on
     * {@code timeline}, towards timeline {@code wanted} (null: the latest one reachable).
     */
    public Reach reach(int timeline, long startLsn, long stopLsn, Integer wanted) {
        List<Integer> path = new ArrayList<>();
        int tl = timeline;
        long from = startLsn / segmentSize;
        long end;
        while (true) {
            path.add(tl);
            NavigableSet<Long> present = segmentsOf(tl);
            end = from - 1;
            while (present.contains(end + 1)) {
                end++;
            }
            Integer next = null;
            long nextFrom = 0;
            int bestLeaf = -1;
            for (TimelineHistory child : branchesAfter(tl, stopLsn, wanted)) {
                long branchSegment = child.branchLsn() / segmentSize;
                boolean reachable = branchSegment >= from && branchSegment <= end + 1
                        && segmentsOf(child.timeline()).contains(branchSegment);
                if (reachable && highestDescendant(child.timeline()) > bestLeaf) {
                    bestLeaf = highestDescendant(child.timeline());
                    next = child.timeline();
                    nextFrom = branchSegment;
                }
            }
            if (next == null) {
                break;
            }
            tl = next;
            from = nextFrom;
        }
        NavigableSet<Long> last = segmentsOf(tl);
        String firstMissing = !last.isEmpty() && last.last() > end ? WalFileName.segmentName(tl, end + 1, perFile) : null;
        if (firstMissing == null) {
            firstMissing = unreachableBranch(tl, end, stopLsn, wanted);
        }
        // The backup is consistent once the segment holding the last byte before its stop point is read.
        boolean consistent = path.size() > 1 || end >= (stopLsn - 1) / segmentSize;
        if (!consistent && firstMissing == null) {
            firstMissing = WalFileName.segmentName(tl, end + 1, perFile);
        }
        String first = WalFileName.segmentName(timeline, startLsn / segmentSize, perFile);
        if (end < from) {
            return new Reach(path, first, null, null, WalFileName.segmentName(tl, from, perFile), false);
        }
        return new Reach(path, first, WalFileName.segmentName(tl, end, perFile), (end + 1) * segmentSize, firstMissing, consistent);
    }

    /**
     * A newer timeline branched off {@code tl} after the backup but cannot be reached — the usual
     * trace of a failover whose old primary never archived its last segments: recovery would stop
     * on {@code tl} and silently miss everything written on the new timeline. Returns the first
     * segment of the gap on {@code tl}, or null.
     */
    private String unreachableBranch(int tl, long end, long stopLsn, Integer wanted) {
        for (TimelineHistory child : branchesAfter(tl, stopLsn, wanted)) {
            // A child whose first segment is not archived yet (a fresh promotion) is not a hole: its
            // newest WAL is simply not archived yet, as on any timeline.
            if (child.branchLsn() / segmentSize > end + 1) {
                return WalFileName.segmentName(tl, end + 1, perFile);
            }
        }
        return null;
    }

    /**
     * The newer timelines that branched off {@code tl} at or after {@code stopLsn} (earlier ones
     * left before the backup was consistent) and lead to {@code wanted} (null: any).
     */
    private List<TimelineHistory> branchesAfter(int tl, long stopLsn, Integer wanted) {
        List<TimelineHistory> out = new ArrayList<>();
        for (TimelineHistory child : histories.values()) {
            if (child.parent() == tl && child.timeline() > tl && child.branchLsn() >= stopLsn
                    && (wanted == null || leadsTo(child.timeline(), wanted))) {
                out.add(child);
            }
        }
        return out;
    }

    private NavigableSet<Long> segmentsOf(int timeline) {
        return segments.getOrDefault(timeline, EMPTY);
    }

    /** Whether {@code timeline} is {@code wanted} or one of its ancestors. */
    private boolean leadsTo(int timeline, int wanted) {
        TimelineHistory h = histories.get(wanted);
        return timeline == wanted || h != null && h.ancestors().stream().anyMatch(b -> b.parent() == timeline);
    }

    /** The highest timeline that descends from {@code timeline} (itself if none). */
    private int highestDescendant(int timeline) {
        int best = timeline;
        for (TimelineHistory h : histories.values()) {
            if (h.parent() == timeline && h.timeline() > timeline) {
                best = Math.max(best, highestDescendant(h.timeline()));
            }
        }
        return best;
    }

    private Range range(int timeline, long first, long last) {
        return new Range(WalFileName.segmentName(timeline, first, perFile), WalFileName.segmentName(timeline, last, perFile),
                last - first + 1);
    }
}
