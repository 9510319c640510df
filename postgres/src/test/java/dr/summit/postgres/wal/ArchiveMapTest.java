package dr.summit.postgres.wal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiveMapTest {
    private static final long SEG = 16L << 20;
    private static final long PER_FILE = WalSegments.segmentsPerLogicalFile(SEG);

    private static String seg(int timeline, long number) {
        return WalFileName.segmentName(timeline, number, PER_FILE);
    }

    private static List<String> run(int timeline, long from, long to) {
        List<String> names = new ArrayList<>();
        for (long n = from; n <= to; n++) {
            names.add(seg(timeline, n));
        }
        return names;
    }

    @Test
    void timelinesListRunsAndHolesInOrder() {
        List<String> names = new ArrayList<>(run(1, 2, 5));
        names.addAll(run(1, 8, 8));
        names.addAll(run(1, 10, 11));
        names.add("00000002.history");
        names.addAll(run(2, 6, 7));
        names.add(seg(1, 6) + ".partial");
        names.add(seg(1, 3) + ".00000028.backup");
        TimelineHistory h2 = TimelineHistory.parse(2, "1\t0/6000100\tbefore 2026-11-25 10:00:00+00\n");
        ArchiveMap map = new ArchiveMap(names, Map.of(2, h2), SEG);

        List<ArchiveMap.Timeline> timelines = map.timelines();
        assertThat(timelines).hasSize(2);
        assertThat(timelines.get(0).archived()).containsExactly(new ArchiveMap.Range(seg(1, 2), seg(1, 5), 4),
                new ArchiveMap.Range(seg(1, 8), seg(1, 8), 1), new ArchiveMap.Range(seg(1, 10), seg(1, 11), 2));
        assertThat(timelines.get(0).missing()).containsExactly(new ArchiveMap.Range(seg(1, 6), seg(1, 7), 2),
                new ArchiveMap.Range(seg(1, 9), seg(1, 9), 1));
        assertThat(timelines.get(1).parent()).isEqualTo(1);
        assertThat(timelines.get(1).branchLsn()).isEqualTo("0/6000100");
        assertThat(timelines.get(1).missing()).isEmpty();
    }

    @Test
    void recoveryFollowsTheBranchToTheNewestTimelineWhenTheParentReachesIt() {
        // Timeline 1: segments 2..9; timeline 2 branched at 0/6000100 (segment 6) and has 6..12.
        List<String> names = new ArrayList<>(run(1, 2, 9));
        names.addAll(run(2, 6, 12));
        ArchiveMap map = new ArchiveMap(names, Map.of(2, TimelineHistory.parse(2, "1\t0/6000100\tx\n")), SEG);

        ArchiveMap.Reach fromStart = map.reach(1, Lsn.parse("0/2000028"), Lsn.parse("0/2000138"));
        assertThat(fromStart.path()).containsExactly(1, 2);
        assertThat(fromStart.lastSegment()).isEqualTo(seg(2, 12));
        assertThat(fromStart.endLsn()).isEqualTo(13 * SEG);
        assertThat(fromStart.firstMissing()).isNull();
        assertThat(fromStart.consistent()).isTrue();

        // A backup that ended after the branch point stays on timeline 1.
        ArchiveMap.Reach afterBranch = map.reach(1, Lsn.parse("0/7000028"), Lsn.parse("0/7000200"));
        assertThat(afterBranch.path()).containsExactly(1);
        assertThat(afterBranch.lastSegment()).isEqualTo(seg(1, 9));

        // A hole on timeline 1 before the branch point: recovery cannot switch, and the hole is named.
        List<String> holed = new ArrayList<>(names);
        holed.remove(seg(1, 4));
        ArchiveMap broken = new ArchiveMap(holed, Map.of(2, TimelineHistory.parse(2, "1\t0/6000100\tx\n")), SEG);
        ArchiveMap.Reach stopped = broken.reach(1, Lsn.parse("0/2000028"), Lsn.parse("0/2000138"));
        assertThat(stopped.path()).containsExactly(1);
        assertThat(stopped.lastSegment()).isEqualTo(seg(1, 3));
        assertThat(stopped.firstMissing()).isEqualTo(seg(1, 4));
    }

    @Test
    void aFailoverGapBeforeTheBranchIsAHoleNotTheEndOfTheArchive() {
        // Timeline 1 archived up to segment 5; 6 never archived; timeline 2 branched in segment 7.
        List<String> names = new ArrayList<>(run(1, 2, 5));
        names.addAll(run(2, 7, 12));
        ArchiveMap map = new ArchiveMap(names, Map.of(2, TimelineHistory.parse(2, "1\t0/7000100\tx\n")), SEG);
        ArchiveMap.Reach reach = map.reach(1, Lsn.parse("0/2000028"), Lsn.parse("0/2000138"));
        assertThat(reach.path()).containsExactly(1);
        assertThat(reach.firstMissing()).isEqualTo(seg(1, 6));
        // A history whose parent is itself does not send the walk in circles.
        ArchiveMap selfish = new ArchiveMap(run(1, 2, 5), Map.of(1, TimelineHistory.parse(1, "1\t0/3000000\tx\n")), SEG);
        assertThat(selfish.reach(1, Lsn.parse("0/2000028"), Lsn.parse("0/2000138")).path()).containsExactly(1);
    }

    @Test
    void aStopPointOnASegmentBoundaryNeedsOnlyTheSegmentBefore() {
        ArchiveMap map = new ArchiveMap(run(1, 2, 2), Map.of(), SEG);
        assertThat(map.reach(1, Lsn.parse("0/2000028"), Lsn.parse("0/3000000")).consistent()).isTrue();
        ArchiveMap.Reach short1 = map.reach(1, Lsn.parse("0/2000028"), Lsn.parse("0/3000001"));
        assertThat(short1.consistent()).isFalse();
        assertThat(short1.firstMissing()).isEqualTo(seg(1, 3));
    }

    @Test
    void ofTwoBranchesTheOneLeadingToTheHighestTimelineIsFollowed() {
        // 1 -> 2 at segment 4, 1 -> 3 at segment 6, 2 -> 4 at segment 8: latest is 4, through 2.
        List<String> names = new ArrayList<>(run(1, 1, 7));
        names.addAll(run(2, 4, 9));
        names.addAll(run(3, 6, 20));
        names.addAll(run(4, 8, 10));
        Map<Integer, TimelineHistory> h = Map.of(
                2, TimelineHistory.parse(2, "1\t0/4000000\tx\n"),
                3, TimelineHistory.parse(3, "1\t0/6000000\tx\n"),
                4, TimelineHistory.parse(4, "1\t0/4000000\tx\n2\t0/8000000\ty\n"));
        ArchiveMap.Reach reach = new ArchiveMap(names, h, SEG).reach(1, Lsn.parse("0/1000028"), Lsn.parse("0/1000100"));
        assertThat(reach.path()).containsExactly(1, 2, 4);
        assertThat(reach.lastSegment()).isEqualTo(seg(4, 10));
    }

    @Test
    void aBackupWhoseOwnWalIsMissingIsNotConsistent() {
        ArchiveMap map = new ArchiveMap(run(1, 5, 9), Map.of(), SEG);
        ArchiveMap.Reach none = map.reach(1, Lsn.parse("0/3000028"), Lsn.parse("0/3000100"));
        assertThat(none.consistent()).isFalse();
        assertThat(none.lastSegment()).isNull();
        assertThat(none.firstMissing()).isEqualTo(seg(1, 3));
        // Start segment present but the stop segment missing: not consistent either.
        ArchiveMap.Reach partial = new ArchiveMap(run(1, 3, 3), Map.of(), SEG)
                .reach(1, Lsn.parse("0/3FFFF00"), Lsn.parse("0/4000100"));
        assertThat(partial.consistent()).isFalse();
    }

    @Test
    void reachEndsAtTheFirstHoleForRandomArchives() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            long start = PER_FILE - 20 + random.nextInt(40);
            TreeSet<Long> present = new TreeSet<>();
            List<String> names = new ArrayList<>();
            for (long n = start - 5; n < start + 60; n++) {
                if (random.nextInt(12) != 0) {
                    present.add(n);
                    names.add(seg(1, n));
                }
            }
            ArchiveMap.Reach reach = new ArchiveMap(names, Map.of(), SEG).reach(1, start * SEG + 40, start * SEG + 400);
            long expectedEnd = start - 1;
            while (present.contains(expectedEnd + 1)) {
                expectedEnd++;
            }
            if (expectedEnd < start) {
                assertThat(reach.consistent()).isFalse();
                assertThat(reach.firstMissing()).isEqualTo(seg(1, start));
            } else {
                assertThat(reach.lastSegment()).isEqualTo(seg(1, expectedEnd));
                assertThat(reach.firstMissing()).isEqualTo(present.last() > expectedEnd ? seg(1, expectedEnd + 1) : null);
            }
        }
    }

    @Test
    void lsnsAndHistoryFilesAreParsedStrictly() {
        assertThat(Lsn.parse("1/FF000028")).isEqualTo(0x1_FF00_0028L);
        assertThat(Lsn.format(0x1_FF00_0028L)).isEqualTo("1/FF000028");
        assertThatThrownBy(() -> Lsn.parse("12345")).hasMessageContaining("not an LSN");
        assertThatThrownBy(() -> Lsn.parse("1/100000000")).hasMessageContaining("not an LSN");
        TimelineHistory h = TimelineHistory.parse(3, "# comment\n1\t0/3000000\tno recovery target specified\n\n2\t0/5000A8\tat restore point \"x\"\n");
        assertThat(h.parent()).isEqualTo(2);
        assertThat(h.branchLsn()).isEqualTo(0x5000A8L);
        assertThatThrownBy(() -> TimelineHistory.parse(2, "\n")).hasMessageContaining("names no parent");
    }
}
