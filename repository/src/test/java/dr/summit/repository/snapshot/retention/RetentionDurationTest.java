package dr.summit.repository.snapshot.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionDurationTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final List<ZoneId> ZONES = List.of(UTC, ZoneId.of("Europe/Berlin"), ZoneId.of("America/New_York"),
            ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Pacific/Apia"), ZoneId.of("Asia/Kolkata"));

    @Test
    void mMeansMonthsAsInRestic() {
        RetentionDuration sixMonths = RetentionDuration.parse("6m");

        assertThat(sixMonths).isEqualTo(new RetentionDuration(0, 6, 0, 0, 0));
        assertThat(sixMonths.cutoff(Instant.parse("2025-11-20T12:00:00Z"), UTC))
                .contains(Instant.parse("2025-05-20T12:00:00Z"));
    }

    @Test
    void unitsCombineInAnyOrder() {
        assertThat(RetentionDuration.parse("1y2m3d4h")).isEqualTo(new RetentionDuration(1, 2, 0, 3, 4));
        assertThat(RetentionDuration.parse("4h3d2m1y")).isEqualTo(new RetentionDuration(1, 2, 0, 3, 4));
        assertThat(RetentionDuration.parse("2w")).isEqualTo(new RetentionDuration(0, 0, 2, 0, 0));
        assertThat(RetentionDuration.parse("36h")).isEqualTo(new RetentionDuration(0, 0, 0, 0, 36));
    }

    @Test
    void rejectsWhatItCannotReadWithAnOperatorMessage() {
        for (String bad : List.of("", "m", "6", "6M", "6min", "1y 2m", "-1d", "1d1d", "0d", "0y0m", "7s", "1.5d", "d7",
                "9999999999d")) {
            assertThatThrownBy(() -> RetentionDuration.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid duration '" + bad + "'");
        }
    }

    @Test
    void monthEndsClampToTheShorterMonth() {
        assertThat(RetentionDuration.parse("1m").cutoff(Instant.parse("2025-03-31T10:00:00Z"), UTC))
                .contains(Instant.parse("2025-02-28T10:00:00Z"));
        assertThat(RetentionDuration.parse("1m").cutoff(Instant.parse("2024-03-31T10:00:00Z"), UTC))
                .contains(Instant.parse("2024-02-29T10:00:00Z"));
        assertThat(RetentionDuration.parse("1y").cutoff(Instant.parse("2024-02-29T10:00:00Z"), UTC))
                .contains(Instant.parse("2023-02-28T10:00:00Z"));
        // Years and months are one subtraction: 13 months back from 29 Feb 2024 is 29 Jan 2023.
        assertThat(RetentionDuration.parse("1y1m").cutoff(Instant.parse("2024-02-29T10:00:00Z"), UTC))
                .contains(Instant.parse("2023-01-29T10:00:00Z"));
    }

    @Test
    void daysAreLocalCalendarDaysAcrossDaylightSaving() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // 2025-03-30 is 23 hours long in Berlin; one day back from noon on the 31st is noon on the 30th.
        Instant end = ZonedDateTime.of(2025, 3, 31, 12, 0, 0, 0, berlin).toInstant();
        assertThat(RetentionDuration.parse("1d").cutoff(end, berlin))
                .contains(ZonedDateTime.of(2025, 3, 30, 12, 0, 0, 0, berlin).toInstant());
        assertThat(RetentionDuration.parse("2d").cutoff(end, berlin))
                .contains(ZonedDateTime.of(2025, 3, 29, 12, 0, 0, 0, berlin).toInstant());
        assertThat(RetentionDuration.parse("48h").cutoff(end, berlin))
                .contains(end.minusSeconds(48 * 3600));
    }

    @Test
    void aWindowReachingBeforeTheCalendarCoversAllTime() {
        RetentionDuration huge = RetentionDuration.parse("999999999y999999999m");
        assertThat(huge.cutoff(Instant.parse("2025-01-01T00:00:00Z"), UTC)).isEmpty();
        assertThat(huge.contains(Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:00:00Z"), UTC)).isTrue();
    }

    @Test
    void canonicalTextReadsBackForRandomDurations() {
        Random random = new Random(20);
        for (int round = 0; round < 5_000; round++) {
            RetentionDuration d = randomDuration(random);
            assertThat(RetentionDuration.parse(d.toString())).as(d.toString()).isEqualTo(d);
            assertThat(d.toString()).matches("(\\d+y)?(\\d+m)?(\\d+w)?(\\d+d)?(\\d+h)?");
        }
    }

    /** The cutoff against a reference that does the calendar by hand, for seeded random ends, zones and windows. */
    @Test
    void cutoffMatchesAHandWrittenCalendarReference() {
        Random random = new Random(6);
        for (int round = 0; round < 20_000; round++) {
            RetentionDuration d = randomDuration(random);
            ZoneId zone = ZONES.get(random.nextInt(ZONES.size()));
            Instant end = Instant.ofEpochSecond(946_684_800L + (long) (random.nextDouble() * 1_000_000_000L));
            assertThat(d.cutoff(end, zone)).as("%s before %s in %s", d, end, zone).contains(reference(d, end, zone));
        }
    }

    @Test
    void aLongerWindowNeverHasALaterCutoff() {
        Random random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            RetentionDuration d = randomDuration(random);
            RetentionDuration longer = new RetentionDuration(d.years() + random.nextInt(2), d.months() + random.nextInt(3),
                    d.weeks() + random.nextInt(2), d.days() + random.nextInt(3), d.hours() + random.nextInt(30));
            ZoneId zone = ZONES.get(random.nextInt(ZONES.size()));
            Instant end = Instant.ofEpochSecond(946_684_800L + (long) (random.nextDouble() * 1_000_000_000L));
            assertThat(longer.cutoff(end, zone).orElseThrow()).as("%s vs %s at %s %s", longer, d, end, zone)
                    .isBeforeOrEqualTo(d.cutoff(end, zone).orElseThrow());
            assertThat(d.cutoff(end, zone).orElseThrow()).isBefore(end);
        }
    }

    @Test
    void keepWithinSixMonthsKeepsSixMonthsNotSixMinutes() {
        List<SnapshotInfo> snapshots = List.of(snap("now", "2025-11-20T12:00:00Z"), snap("tenMinutesAgo", "2025-11-20T11:50:00Z"),
                snap("fiveMonthsAgo", "2025-06-20T12:00:00Z"), snap("sevenMonthsAgo", "2025-04-20T12:00:00Z"));
        RetentionPolicy policy = RetentionPolicy.builder()
                .within(new WithinRules(RetentionDuration.parse("6m"), null, null, null, null, null)).build();

        RetentionDecision decision = Retention.apply(snapshots, policy, UTC).values().iterator().next();

        assertThat(decision.keep()).extracting(k -> k.snapshot().id()).containsExactly("now", "tenMinutesAgo", "fiveMonthsAgo");
        assertThat(decision.keep()).allSatisfy(k -> assertThat(k.reasons()).containsExactly("within 6m"));
        assertThat(decision.remove()).extracting(SnapshotInfo::id).containsExactly("sevenMonthsAgo");
    }

    @Test
    void keepWithinDailyKeepsTheNewestOfEachDayInsideTheWindow() {
        List<SnapshotInfo> snapshots = List.of(snap("d20late", "2025-11-20T18:00:00Z"), snap("d20early", "2025-11-20T06:00:00Z"),
                snap("d19", "2025-11-19T12:00:00Z"), snap("d13", "2025-11-13T19:00:00Z"), snap("d12", "2025-11-12T12:00:00Z"));
        RetentionPolicy policy = RetentionPolicy.builder()
                .within(new WithinRules(null, null, RetentionDuration.parse("1w"), null, null, null)).build();

        RetentionDecision decision = Retention.apply(snapshots, policy, UTC).values().iterator().next();

        assertThat(decision.keep()).extracting(k -> k.snapshot().id() + ": " + String.join(",", k.reasons()))
                .containsExactly("d20late: daily 2025-11-20 within 1w", "d19: daily 2025-11-19 within 1w",
                        "d13: daily 2025-11-13 within 1w");
        assertThat(decision.remove()).extracting(SnapshotInfo::id).containsExactly("d20early", "d12");
    }

    @Test
    void aWindowRuleAloneMakesAPolicyNonEmpty() {
        RetentionDuration d = RetentionDuration.parse("1y");
        for (int slot = 0; slot < 6; slot++) {
            RetentionDuration[] r = new RetentionDuration[6];
            r[slot] = d;
            WithinRules rules = new WithinRules(r[0], r[1], r[2], r[3], r[4], r[5]);
            assertThat(RetentionPolicy.builder().within(rules).build().isEmpty()).isFalse();
        }
    }

    private static Instant reference(RetentionDuration d, Instant end, ZoneId zone) {
        LocalDateTime local = LocalDateTime.ofInstant(end, zone);
        long totalMonths = 12L * d.years() + d.months();
        YearMonth ym = YearMonth.from(local).minusMonths(totalMonths);
        int day = Math.min(local.getDayOfMonth(), ym.lengthOfMonth());
        LocalDate date = LocalDate.ofEpochDay(ym.atDay(day).toEpochDay() - 7L * d.weeks() - d.days());
        Instant atLocal = ZonedDateTime.ofLocal(date.atTime(local.toLocalTime()), zone,
                zone.getRules().getOffset(end)).toInstant();
        return atLocal.minusSeconds(3600L * d.hours());
    }

    private static RetentionDuration randomDuration(Random random) {
        int[] p = new int[5];
        do {
            for (int i = 0; i < 5; i++) {
                p[i] = random.nextInt(3) == 0 ? random.nextInt(i == 4 ? 100 : 40) : 0;
            }
        } while (p[0] + p[1] + p[2] + p[3] + p[4] == 0);
        return new RetentionDuration(p[0], p[1], p[2], p[3], p[4]);
    }

    private static SnapshotInfo snap(String id, String time) {
        return new SnapshotInfo(id, Instant.parse(time), "h", List.of("/data"), Set.of());
    }
}
