package dr.summit.postgres.wal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalSegmentsTest {
    private static final long SEG = 16L << 20;
    private static final long PER_FILE = WalSegments.segmentsPerLogicalFile(SEG);

    @Test
    void segmentOfAnLsnFollowsPostgresNaming() {
        assertThat(WalSegments.segmentOf("0/3000060", SEG)).isEqualTo(3);
        assertThat(WalSegments.segmentOf("1/FF000000", SEG)).isEqualTo(PER_FILE + 255);
        assertThat(WalFileName.segmentName(1, PER_FILE + 255, PER_FILE)).isEqualTo("0000000100000001000000FF");
        assertThat(WalFileName.parse("0000000100000001000000FF").segmentNumber(PER_FILE)).isEqualTo(PER_FILE + 255);
    }

    @Test
    void aCompleteArchiveHasNoHolesAcrossALogicalFileBoundary() {
        List<String> names = new ArrayList<>();
        for (long s = PER_FILE - 3; s <= PER_FILE + 3; s++) {
            names.add(WalFileName.segmentName(1, s, PER_FILE));
        }
        names.add("00000002.history");
        names.add(WalFileName.segmentName(2, PER_FILE + 9, PER_FILE));
        ArchiveMap.Reach r = new ArchiveMap(names, java.util.Map.of(), SEG).reach(1, (PER_FILE - 3) * SEG + 40, (PER_FILE - 3) * SEG + 400);
        assertThat(r.firstMissing()).isNull();
        assertThat(r.lastSegment()).isEqualTo("000000010000000100000003");
    }

    @Test
    void everyRemovedSegmentIsReportedAndNothingElse() {
        Random random = new Random(9);
        for (int round = 0; round < 200; round++) {
            long start = random.nextInt(1000);
            int count = 2 + random.nextInt(60);
            List<String> names = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (long s = start; s < start + count; s++) {
                String name = WalFileName.segmentName(1, s, PER_FILE);
                // Never remove the oldest or the newest: holes lie between archived segments.
                if (s > start && s < start + count - 1 && random.nextInt(8) == 0) {
                    removed.add(name);
                } else {
                    names.add(name);
                }
            }
            List<String> reported = new ArrayList<>();
            for (ArchiveMap.Range hole : new ArchiveMap(names, java.util.Map.of(), SEG).timelines().get(0).missing()) {
                long first = WalFileName.parse(hole.first()).segmentNumber(PER_FILE);
                for (long n = first; n < first + hole.count(); n++) {
                    reported.add(WalFileName.segmentName(1, n, PER_FILE));
                }
            }
            assertThat(reported).containsExactlyElementsOf(removed);
        }
    }

    @Test
    void onlyPostgresFileNamesAreAccepted() {
        assertThat(WalFileName.parse("00000002.history").kind()).isEqualTo(WalFileName.Kind.HISTORY);
        assertThat(WalFileName.parse("000000010000000000000002.00000028.backup").kind()).isEqualTo(WalFileName.Kind.BACKUP_HISTORY);
        assertThat(WalFileName.parse("000000010000000000000002.partial").kind()).isEqualTo(WalFileName.Kind.PARTIAL);
        for (String bad : List.of("", "../etc/passwd", "00000001000000000000000g", "0000000100000000000000021", "x.history")) {
            assertThatThrownBy(() -> WalFileName.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
