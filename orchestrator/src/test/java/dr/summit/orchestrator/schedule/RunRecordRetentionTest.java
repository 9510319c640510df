package dr.summit.orchestrator.schedule;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Which run records may go: never one a server could still try to start, at most a bounded number per pass. */
class RunRecordRetentionTest {
    static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

    static String run(Instant due) {
        return "schedules/hourly/runs/" + String.format("%012d", due.getEpochSecond());
    }

    /** An hourly schedule's records for {@code hours} hours up to and including NOW, shuffled (listing order is no promise). */
    static List<String> hourly(int hours) {
        List<String> names = new ArrayList<>();
        for (int h = 0; h < hours; h++) {
            names.add(run(NOW.minus(Duration.ofHours(h))));
        }
        Collections.shuffle(names, new Random(hours));
        return names;
    }

    @Test
    void aYearOfHourlyRecordsKeepsTheLastWeekAndDeletesTheRestOldestFirstInBoundedPasses() {
        List<String> names = new ArrayList<>(hourly(8760));
        List<String> first = RunRecordRetention.expired(names, NOW, 200);
        assertThat(first).hasSize(200);
        assertThat(first.get(0)).as("oldest first").isEqualTo(run(NOW.minus(Duration.ofHours(8759))));
        int passes = 0;
        List<String> batch = first;
        while (!batch.isEmpty()) {
            names.removeAll(batch);
            batch = RunRecordRetention.expired(names, NOW, 200);
            passes++;
        }
        assertThat(passes).isEqualTo((int) Math.ceil((8760 - 7 * 24 - 1) / 200.0));
        // kept: every due time of the last 7 days, the one exactly 7 days old included
        assertThat(names).hasSize(7 * 24 + 1).contains(run(NOW.minus(Duration.ofDays(7)))).contains(run(NOW));
    }

    @Test
    void theTenNewestStayWhateverTheirAgeSoARareScheduleKeepsItsRecentRuns() {
        List<String> weekly = new ArrayList<>();
        for (int w = 0; w < 30; w++) {
            weekly.add(run(NOW.minus(Duration.ofDays(7L * w))));
        }
        List<String> gone = RunRecordRetention.expired(weekly, NOW, 1000);
        assertThat(gone).hasSize(20).doesNotContain(run(NOW.minus(Duration.ofDays(7 * 9))));
        assertThat(gone).contains(run(NOW.minus(Duration.ofDays(7 * 10))));
        // a schedule that stopped running long ago (a server down for months) keeps its last ten records
        assertThat(RunRecordRetention.expired(weekly, NOW.plus(Duration.ofDays(365)), 1000)).hasSize(20);
    }

    @Test
    void aRecordAnotherServerJustWroteIsNeverDeletedEvenWithItsClockAhead() {
        List<String> names = new ArrayList<>(hourly(1000));
        String fromTheFuture = run(NOW.plus(Duration.ofMinutes(4))); // the other server's clock is 4 minutes ahead
        names.add(fromTheFuture);
        assertThat(RunRecordRetention.expired(names, NOW, 10_000)).doesNotContain(fromTheFuture, run(NOW))
                .allSatisfy(n -> assertThat(RunRecordRetention.dueOf(n)).isLessThan(NOW.minus(Duration.ofDays(7)).getEpochSecond()));
    }

    @Test
    void namesThatAreNotRunRecordsAreLeftAlone() {
        List<String> names = new ArrayList<>(hourly(500));
        names.add("schedules/hourly/runs/not-a-time");
        names.add("schedules/hourly/runs/000000000001.tmp");
        assertThat(RunRecordRetention.expired(names, NOW, 10_000)).hasSize(500 - 10 - (7 * 24 + 1 - 10))
                .doesNotContain("schedules/hourly/runs/not-a-time", "schedules/hourly/runs/000000000001.tmp");
        assertThat(RunRecordRetention.expired(List.of(), NOW, 10)).isEmpty();
    }
}
