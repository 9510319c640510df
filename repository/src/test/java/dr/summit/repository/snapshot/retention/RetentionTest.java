package dr.summit.repository.snapshot.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RetentionTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    // ---------------------------------------------------------------------------------------------
    // Hand-written examples, one or more per rule.
    // ---------------------------------------------------------------------------------------------

    @Nested
    class KeepLast {

        private final List<SnapshotInfo> four = List.of(
                snap("s1", "2025-11-17T10:00:00Z"),
                snap("s3", "2025-11-19T10:00:00Z"),
                snap("s2", "2025-11-18T10:00:00Z"),
                snap("s4", "2025-11-20T10:00:00Z"));

        @Test
        void keepsTheNNewestAndNumbersThem() {
            RetentionDecision decision = single(Retention.apply(four, policy().keepLast(2).build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("s4", List.of("last 1")),
                    entry("s3", List.of("last 2")));
            assertThat(ids(decision.remove())).containsExactly("s2", "s1");
        }

        @Test
        void moreThanThereAreKeepsAll() {
            RetentionDecision decision = single(Retention.apply(four, policy().keepLast(10).build(), UTC));

            assertThat(ids(decision.keptSnapshots())).containsExactly("s4", "s3", "s2", "s1");
            assertThat(decision.remove()).isEmpty();
        }

        @Test
        void unlimitedKeepsAll() {
            RetentionDecision decision = single(Retention.apply(four, policy().keepLast(-1).build(), UTC));

            assertThat(reasons(decision).get("s1")).containsExactly("last 4");
            assertThat(decision.remove()).isEmpty();
        }
    }

    @Nested
    class KeepHourly {

        @Test
        void newestOfEachHour() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-11-20T09:05:00Z"),
                    snap("b", "2025-11-20T09:55:00Z"),
                    snap("c", "2025-11-20T10:00:00Z"),
                    snap("d", "2025-11-20T12:59:59Z"));

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepHourly(2).build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("d", List.of("hourly 2025-11-20T12:00Z")),
                    entry("c", List.of("hourly 2025-11-20T10:00Z")));
            assertThat(ids(decision.remove())).containsExactly("b", "a");
        }

        @Test
        void springForwardInBerlinSkipsTheMissingHour() {
            // 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 01:30 and 03:10 local are only 40 minutes apart.
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-03-30T00:30:00Z"), // 01:30+01:00
                    snap("b", "2025-03-30T01:10:00Z"), // 03:10+02:00
                    snap("c", "2025-03-30T01:30:00Z")); // 03:30+02:00

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepHourly(3).build(), BERLIN));

            assertThat(reasons(decision)).containsExactly(
                    entry("c", List.of("hourly 2025-03-30T03:00+02:00")),
                    entry("a", List.of("hourly 2025-03-30T01:00+01:00")));
            assertThat(ids(decision.remove())).containsExactly("b");
        }

        @Test
        void fallBackInBerlinCountsTheRepeatedHourTwice() {
            // 2025-10-26: 03:00 CEST falls back to 02:00 CET, so local 02:30 happens twice, an hour apart.
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-10-26T00:30:00Z"), // 02:30+02:00
                    snap("b", "2025-10-26T01:30:00Z"), // 02:30+01:00
                    snap("c", "2025-10-26T01:40:00Z")); // 02:40+01:00

            RetentionDecision all = single(Retention.apply(snapshots, policy().keepHourly(-1).build(), BERLIN));
            RetentionDecision one = single(Retention.apply(snapshots, policy().keepHourly(1).build(), BERLIN));

            assertThat(reasons(all)).containsExactly(
                    entry("c", List.of("hourly 2025-10-26T02:00+01:00")),
                    entry("a", List.of("hourly 2025-10-26T02:00+02:00")));
            assertThat(ids(all.remove())).containsExactly("b");
            assertThat(ids(one.keptSnapshots())).containsExactly("c");
        }

        @Test
        void halfHourOffsetZonesUseLocalClockHours() {
            // India is UTC+05:30, so the local hour 16:00 starts at 10:30 UTC.
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-11-20T10:20:00Z"), // 15:50 local
                    snap("b", "2025-11-20T10:40:00Z")); // 16:10 local

            RetentionDecision decision = single(Retention.apply(
                    snapshots, policy().keepHourly(-1).build(), ZoneId.of("Asia/Kolkata")));

            assertThat(reasons(decision)).containsExactly(
                    entry("b", List.of("hourly 2025-11-20T16:00+05:30")),
                    entry("a", List.of("hourly 2025-11-20T15:00+05:30")));
        }
    }

    @Nested
    class KeepDaily {

        @Test
        void newestOfEachDayAndGapsDoNotCount() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("old", "2025-11-10T08:00:00Z"),
                    snap("early", "2025-11-20T01:00:00Z"),
                    snap("late", "2025-11-20T23:00:00Z"),
                    snap("ancient", "2025-10-01T08:00:00Z"));

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepDaily(2).build(), UTC));

            // Ten empty days between the two kept snapshots do not use up the count.
            assertThat(reasons(decision)).containsExactly(
                    entry("late", List.of("daily 2025-11-20")),
                    entry("old", List.of("daily 2025-11-10")));
            assertThat(ids(decision.remove())).containsExactly("early", "ancient");
        }

        @Test
        void twentyFiveHourDayInBerlinIsOneDay() {
            // 2025-10-26 in Berlin lasts 25 hours; a and b are 24h40m apart but on the same local day.
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-10-25T22:10:00Z"), // 2025-10-26 00:10+02:00
                    snap("b", "2025-10-26T22:50:00Z"), // 2025-10-26 23:50+01:00
                    snap("c", "2025-10-26T23:10:00Z")); // 2025-10-27 00:10+01:00

            RetentionDecision berlin = single(Retention.apply(snapshots, policy().keepDaily(3).build(), BERLIN));
            RetentionDecision utc = single(Retention.apply(snapshots, policy().keepDaily(3).build(), UTC));

            assertThat(reasons(berlin)).containsExactly(
                    entry("c", List.of("daily 2025-10-27")),
                    entry("b", List.of("daily 2025-10-26")));
            assertThat(ids(berlin.remove())).containsExactly("a");
            // The zone matters: in UTC, b and c share a day and a is alone on the day before.
            assertThat(reasons(utc)).containsExactly(
                    entry("c", List.of("daily 2025-10-26")),
                    entry("a", List.of("daily 2025-10-25")));
        }

        @Test
        void twentyThreeHourDayInBerlinIsOneDay() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-03-29T23:05:00Z"), // 2025-03-30 00:05+01:00
                    snap("b", "2025-03-30T21:55:00Z"), // 2025-03-30 23:55+02:00
                    snap("c", "2025-03-30T22:05:00Z")); // 2025-03-31 00:05+02:00

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepDaily(-1).build(), BERLIN));

            assertThat(reasons(decision)).containsExactly(
                    entry("c", List.of("daily 2025-03-31")),
                    entry("b", List.of("daily 2025-03-30")));
            assertThat(ids(decision.remove())).containsExactly("a");
        }
    }

    @Nested
    class ClockJumpingBackAcrossMidnight {

        @Test
        void aRecurringDayIsKeptOnceForItsNewestSnapshot() {
            // Sitka moved from Russian to American time in 1867: on 1867-10-19 at 15:30 local the clock
            // went back to 1867-10-18, so newest first the local dates read 10-19, 10-18, 10-19.
            ZoneId sitka = ZoneId.of("America/Sitka");
            List<SnapshotInfo> snapshots = List.of(
                    snap("before", "1867-10-19T00:00:00Z"), // 1867-10-19 14:58 local
                    snap("after", "1867-10-19T01:00:00Z"), // 1867-10-18 15:58 local
                    snap("nextDay", "1867-10-19T10:00:00Z")); // 1867-10-19 00:58 local

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepDaily(-1).build(), sitka));

            assertThat(reasons(decision)).containsExactly(
                    entry("nextDay", List.of("daily 1867-10-19")),
                    entry("after", List.of("daily 1867-10-18")));
            assertThat(ids(decision.remove())).containsExactly("before");
        }
    }

    @Nested
    class KeepWeeklyMonthlyYearly {

        // Sunday 2024-12-29 is in 2024-W52; Monday 2024-12-30 already belongs to 2025-W01.
        private final List<SnapshotInfo> yearEnd = List.of(
                snap("sun", "2024-12-29T12:00:00Z"),
                snap("mon", "2024-12-30T12:00:00Z"),
                snap("thu", "2025-01-02T12:00:00Z"));

        @Test
        void isoWeekBelongsToTheWeekBasedYear() {
            RetentionDecision decision = single(Retention.apply(yearEnd, policy().keepWeekly(5).build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("thu", List.of("weekly 2025-W01")),
                    entry("sun", List.of("weekly 2024-W52")));
            assertThat(ids(decision.remove())).containsExactly("mon");
        }

        @Test
        void yearlyUsesTheCalendarYearNotTheWeekYear() {
            RetentionDecision decision = single(Retention.apply(yearEnd, policy().keepYearly(5).build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("thu", List.of("yearly 2025")),
                    entry("mon", List.of("yearly 2024")));
            assertThat(ids(decision.remove())).containsExactly("sun");
        }

        @Test
        void week53SpansTheNewYear() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("thu", "2026-12-31T12:00:00Z"), // 2026-W53
                    snap("sun", "2027-01-03T12:00:00Z"), // still 2026-W53
                    snap("mon", "2027-01-04T12:00:00Z")); // 2027-W01

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepWeekly(-1).build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("mon", List.of("weekly 2027-W01")),
                    entry("sun", List.of("weekly 2026-W53")));
            assertThat(ids(decision.remove())).containsExactly("thu");
        }

        @Test
        void weekBoundaryIsLocalMidnight() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("sunday", "2025-11-23T22:30:00Z"), // Sunday 23:30 in Berlin
                    snap("monday", "2025-11-23T23:30:00Z")); // Monday 00:30 in Berlin, still Sunday in UTC

            RetentionDecision berlin = single(Retention.apply(snapshots, policy().keepWeekly(2).build(), BERLIN));
            RetentionDecision utc = single(Retention.apply(snapshots, policy().keepWeekly(2).build(), UTC));

            assertThat(reasons(berlin)).containsExactly(
                    entry("monday", List.of("weekly 2025-W48")),
                    entry("sunday", List.of("weekly 2025-W47")));
            assertThat(reasons(utc)).containsExactly(entry("monday", List.of("weekly 2025-W47")));
        }

        @Test
        void newestOfEachMonth() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("mar5", "2025-03-05T12:00:00Z"),
                    snap("mar20", "2025-03-20T12:00:00Z"),
                    snap("feb10", "2025-02-10T12:00:00Z"),
                    snap("jan31", "2025-01-31T23:30:00Z")); // February 1st in Berlin

            RetentionDecision decision = single(Retention.apply(snapshots, policy().keepMonthly(3).build(), BERLIN));

            assertThat(reasons(decision)).containsExactly(
                    entry("mar20", List.of("monthly 2025-03")),
                    entry("feb10", List.of("monthly 2025-02")));
            assertThat(ids(decision.remove())).containsExactly("mar5", "jan31");
        }
    }

    @Nested
    class KeepWithin {

        @Test
        void windowIsMeasuredFromTheNewestSnapshotInclusive() {
            // Years in the past: an agent that stopped backing up still keeps its last week.
            List<SnapshotInfo> snapshots = List.of(
                    snap("newest", "2020-11-20T12:00:00Z"),
                    snap("edge", "2020-11-13T12:00:00Z"),
                    snap("justOutside", "2020-11-13T11:59:59Z"),
                    snap("old", "2020-01-01T00:00:00Z"));

            RetentionDecision decision = single(Retention.apply(
                    snapshots, policy().keepWithin(Duration.ofDays(7)).build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("newest", List.of("within 7d")),
                    entry("edge", List.of("within 7d")));
            assertThat(ids(decision.remove())).containsExactly("justOutside", "old");
        }

        @Test
        void durationLabels() {
            assertThat(DurationLabel.of(Duration.ofDays(7))).isEqualTo("7d");
            assertThat(DurationLabel.of(Duration.ofHours(36))).isEqualTo("1d12h");
            assertThat(DurationLabel.of(Duration.ofMinutes(90))).isEqualTo("1h30m");
            assertThat(DurationLabel.of(Duration.ofSeconds(45))).isEqualTo("45s");
            assertThat(DurationLabel.of(Duration.ofMillis(1500))).isEqualTo("1.5s");
            assertThat(DurationLabel.of(Duration.ofNanos(1))).isEqualTo("0.000000001s");
        }

        @Test
        void hugeWindowDoesNotOverflow() {
            List<SnapshotInfo> snapshots = List.of(snap("a", "2025-01-01T00:00:00Z"), snap("b", "1970-01-01T00:00:00Z"));

            RetentionDecision decision = single(Retention.apply(
                    snapshots, policy().keepWithin(Duration.ofSeconds(Long.MAX_VALUE)).build(), UTC));

            assertThat(ids(decision.keptSnapshots())).containsExactly("a", "b");
        }
    }

    @Nested
    class KeepTags {

        @Test
        void taggedSnapshotsAreAlwaysKeptWithOneReasonPerTag() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("newest", "2025-11-20T12:00:00Z"),
                    snap("plain", "2025-06-01T12:00:00Z", "nightly"),
                    snap("precious", "2019-01-01T12:00:00Z", "manual", "important", "nightly"));

            RetentionDecision decision = single(Retention.apply(
                    snapshots, policy().keepLast(1).keepTags("manual", "important").build(), UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("newest", List.of("last 1")),
                    entry("precious", List.of("tag important", "tag manual")));
            assertThat(ids(decision.remove())).containsExactly("plain");
        }

        @Test
        void tagsAloneDoNotProtectTheNewest() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("newest", "2025-11-20T12:00:00Z"),
                    snap("tagged", "2025-11-19T12:00:00Z", "important"));

            RetentionDecision decision = single(Retention.apply(
                    snapshots, policy().keepTags("important").build(), UTC));

            assertThat(ids(decision.keptSnapshots())).containsExactly("tagged");
            assertThat(ids(decision.remove())).containsExactly("newest");
        }
    }

    @Nested
    class Combined {

        @Test
        void reasonsAccumulateInRuleOrder() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("newest", "2025-11-20T12:00:00Z", "important"),
                    snap("sameDay", "2025-11-20T06:00:00Z"),
                    snap("lastWeek", "2025-11-12T06:00:00Z"));
            RetentionPolicy policy = policy()
                    .keepLast(1).keepHourly(1).keepDaily(1).keepWeekly(1).keepMonthly(1).keepYearly(1)
                    .keepWithin(Duration.ofDays(7)).keepTags("important")
                    .build();

            RetentionDecision decision = single(Retention.apply(snapshots, policy, UTC));

            assertThat(reasons(decision)).containsExactly(
                    entry("newest", List.of("last 1", "hourly 2025-11-20T12:00Z", "daily 2025-11-20",
                            "weekly 2025-W47", "monthly 2025-11", "yearly 2025", "within 7d", "tag important")),
                    entry("sameDay", List.of("within 7d")));
            assertThat(ids(decision.remove())).containsExactly("lastWeek");
        }

        @Test
        void tiesAreBrokenByIdWhateverTheInputOrder() {
            SnapshotInfo a = snap("a", "2025-11-20T12:00:00Z");
            SnapshotInfo b = snap("b", "2025-11-20T12:00:00Z");
            SnapshotInfo c = snap("c", "2025-11-19T12:00:00Z");

            for (List<SnapshotInfo> input : List.of(List.of(a, b, c), List.of(c, b, a), List.of(b, c, a))) {
                RetentionDecision last = single(Retention.apply(input, policy().keepLast(1).build(), UTC));
                RetentionDecision daily = single(Retention.apply(input, policy().keepDaily(-1).build(), UTC));

                assertThat(ids(last.keptSnapshots())).containsExactly("a");
                assertThat(ids(last.remove())).containsExactly("b", "c");
                assertThat(ids(daily.keptSnapshots())).containsExactly("a", "c");
            }
        }

        @Test
        void eachHostAndPathSetIsItsOwnGroup() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("h2", "host2", List.of("/a", "/b"), "2025-11-01T00:00:00Z"),
                    snap("h1-ab-old", "host1", List.of("/a", "/b"), "2025-11-01T00:00:00Z"),
                    snap("h1-ba-new", "host1", List.of("/b", "/a"), "2025-11-02T00:00:00Z"),
                    snap("h1-c", "host1", List.of("/c"), "2025-10-01T00:00:00Z"));

            Map<SnapshotGroup, RetentionDecision> result = Retention.apply(snapshots, policy().keepLast(1).build(), UTC);

            assertThat(result.keySet()).containsExactly(
                    new SnapshotGroup("host1", List.of("/a", "/b")),
                    new SnapshotGroup("host1", List.of("/c")),
                    new SnapshotGroup("host2", List.of("/b", "/a"))); // paths are sorted on construction
            assertThat(ids(result.get(new SnapshotGroup("host1", List.of("/a", "/b"))).keptSnapshots()))
                    .containsExactly("h1-ba-new");
            assertThat(ids(result.get(new SnapshotGroup("host1", List.of("/a", "/b"))).remove()))
                    .containsExactly("h1-ab-old");
            assertThat(ids(result.get(new SnapshotGroup("host1", List.of("/c"))).keptSnapshots()))
                    .containsExactly("h1-c");
            assertThat(ids(result.get(new SnapshotGroup("host2", List.of("/a", "/b"))).keptSnapshots()))
                    .containsExactly("h2");
        }

        @Test
        void noSnapshotsNoGroups() {
            assertThat(Retention.apply(List.of(), policy().keepLast(1).build(), UTC)).isEmpty();
        }

        @Test
        void resultIsUnmodifiable() {
            Map<SnapshotGroup, RetentionDecision> result =
                    Retention.apply(List.of(snap("a", "2025-01-01T00:00:00Z")), policy().keepLast(1).build(), UTC);

            assertThatThrownBy(result::clear).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> single(result).keep().clear()).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void emptyPolicyIsRefused() {
            List<SnapshotInfo> snapshots = List.of(snap("a", "2025-01-01T00:00:00Z"));

            assertThatThrownBy(() -> Retention.apply(snapshots, policy().build(), UTC))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
            assertThatThrownBy(() -> Retention.apply(List.of(), policy().keepWithin(Duration.ZERO).build(), UTC))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
        }

        @Test
        void duplicateIdsAreRejected() {
            List<SnapshotInfo> snapshots = List.of(
                    snap("a", "2025-01-01T00:00:00Z"),
                    snap("a", "host2", List.of("/x"), "2025-01-02T00:00:00Z"));

            assertThatThrownBy(() -> Retention.apply(snapshots, policy().keepLast(1).build(), UTC))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("duplicate snapshot id: a");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Property-style tests: many seeded random snapshot sets and policies.
    // ---------------------------------------------------------------------------------------------

    @Nested
    class Properties {

        private static final int CASES = 500;
        private static final long BASE_SEED = 0x5EED_2025L;
        private static final Instant START = Instant.parse("2023-01-01T00:00:00Z");
        private static final long THREE_YEARS_S = Duration.ofDays(3 * 365).toSeconds();
        private static final List<ZoneId> ZONES = List.of(
                UTC, BERLIN, ZoneId.of("America/New_York"), ZoneId.of("Asia/Kolkata"),
                ZoneId.of("Australia/Lord_Howe"), ZoneId.of("America/Santiago"));
        private static final List<List<String>> PATH_SETS = List.of(
                List.of("/etc"), List.of("/var", "/home"), List.of("/home", "/var"), List.of("/srv"));
        private static final List<String> TAGS = List.of("important", "manual", "nightly");

        @Test
        void keepAndRemovePartitionTheInputNewestFirst() {
            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                Map<SnapshotGroup, RetentionDecision> result =
                        Retention.apply(snapshots, randomPolicy(random), randomZone(random));

                List<String> seen = new ArrayList<>();
                result.forEach((group, decision) -> {
                    List<SnapshotInfo> all = new ArrayList<>(decision.keptSnapshots());
                    all.addAll(decision.remove());
                    assertThat(all).isNotEmpty().allMatch(s -> SnapshotGroup.of(s).equals(group));
                    assertThat(decision.keptSnapshots()).isSortedAccordingTo(Retention.NEWEST_FIRST);
                    assertThat(decision.remove()).isSortedAccordingTo(Retention.NEWEST_FIRST);
                    all.forEach(s -> seen.add(s.id()));
                });
                // Same size and same members: nothing lost, nothing listed twice (ids are unique).
                assertThat(seen).containsExactlyInAnyOrderElementsOf(ids(snapshots));
                assertThat(result.keySet()).containsExactlyInAnyOrderElementsOf(groupsOf(snapshots).keySet());
            });
        }

        @Test
        void newestOfEveryGroupIsKeptWhenACountOrWithinRuleIsUsed() {
            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                RetentionPolicy policy = randomPolicy(random);
                if (!usesCountOrWithin(policy)) {
                    policy = new RetentionPolicy(0, 0, 1 + random.nextInt(3), 0, 0, 0, null, policy.keepTags());
                }
                Map<SnapshotGroup, RetentionDecision> result = Retention.apply(snapshots, policy, randomZone(random));

                groupsOf(snapshots).forEach((group, members) -> {
                    SnapshotInfo newest = Collections.min(members, Retention.NEWEST_FIRST);
                    assertThat(result.get(group).keptSnapshots()).first().isEqualTo(newest);
                });
            });
        }

        @Test
        void keepLastAloneKeepsExactlyMinOfNAndSize() {
            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                int n = random.nextInt(10) == 0 ? -1 : 1 + random.nextInt(250);
                Map<SnapshotGroup, RetentionDecision> result =
                        Retention.apply(snapshots, policy().keepLast(n).build(), randomZone(random));

                groupsOf(snapshots).forEach((group, members) -> {
                    members.sort(Retention.NEWEST_FIRST);
                    int expected = n == -1 ? members.size() : Math.min(n, members.size());
                    assertThat(result.get(group).keptSnapshots()).isEqualTo(members.subList(0, expected));
                });
            });
        }

        @Test
        void largerPolicyNeverKeepsFewer() {
            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                RetentionPolicy smaller = randomPolicy(random);
                RetentionPolicy larger = grow(smaller, random);
                ZoneId zone = randomZone(random);

                Set<String> keptBySmaller = keptIds(Retention.apply(snapshots, smaller, zone));
                Set<String> keptByLarger = keptIds(Retention.apply(snapshots, larger, zone));

                // Stronger than "not fewer": whatever the smaller policy keeps, the larger keeps too.
                Set<String> lost = new HashSet<>(keptBySmaller);
                lost.removeAll(keptByLarger);
                assertThat(lost).as("kept by %s but not by %s", smaller, larger).isEmpty();
            });
        }

        @Test
        void eachPeriodKeptSnapshotIsTheNewestOfItsPeriod() {
            Map<String, BiFunction<Instant, ZoneId, String>> periods = new LinkedHashMap<>();
            // Computed independently of Period, with different java.time calls where possible.
            periods.put("hourly", (t, z) -> ZonedDateTime.ofInstant(t, z)
                    .withMinute(0).withSecond(0).withNano(0).toOffsetDateTime().toString());
            periods.put("daily", (t, z) -> LocalDate.ofInstant(t, z).toString());
            periods.put("weekly", (t, z) -> {
                LocalDate date = LocalDate.ofInstant(t, z);
                int week = date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
                return date.get(IsoFields.WEEK_BASED_YEAR) + (week < 10 ? "-W0" : "-W") + week;
            });
            periods.put("monthly", (t, z) -> YearMonth.from(LocalDate.ofInstant(t, z)).toString());
            periods.put("yearly", (t, z) -> Year.from(LocalDate.ofInstant(t, z)).toString());

            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                int[] counts = new int[5];
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = random.nextInt(5) == 0 ? -1 : 1 + random.nextInt(40);
                }
                RetentionPolicy policy = new RetentionPolicy(
                        0, counts[0], counts[1], counts[2], counts[3], counts[4], null, Set.of());
                ZoneId zone = randomZone(random);
                Map<SnapshotGroup, RetentionDecision> result = Retention.apply(snapshots, policy, zone);

                int index = 0;
                for (Map.Entry<String, BiFunction<Instant, ZoneId, String>> period : periods.entrySet()) {
                    int count = counts[index++];
                    String prefix = period.getKey() + " ";
                    BiFunction<Instant, ZoneId, String> bucketOf = period.getValue();
                    groupsOf(snapshots).forEach((group, members) -> {
                        // Newest snapshot of each period, in newest-first order of those snapshots.
                        members.sort(Retention.NEWEST_FIRST);
                        Map<String, SnapshotInfo> newestPerPeriod = new LinkedHashMap<>();
                        members.forEach(s -> newestPerPeriod.putIfAbsent(bucketOf.apply(s.time(), zone), s));
                        int expected = count == -1 ? newestPerPeriod.size() : Math.min(count, newestPerPeriod.size());

                        Map<String, String> actual = new LinkedHashMap<>();
                        for (RetentionDecision.Kept kept : result.get(group).keep()) {
                            kept.reasons().stream().filter(r -> r.startsWith(prefix))
                                    .forEach(r -> actual.put(kept.snapshot().id(), r.substring(prefix.length())));
                        }
                        assertThat(actual).as("%s in %s", period.getKey(), zone).hasSize(expected);
                        actual.forEach((id, bucket) ->
                                assertThat(newestPerPeriod.get(bucket)).as("%s %s", period.getKey(), bucket)
                                        .isNotNull()
                                        .extracting(SnapshotInfo::id).isEqualTo(id));
                    });
                }
            });
        }

        @Test
        void resultDoesNotDependOnInputOrder() {
            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                RetentionPolicy policy = randomPolicy(random);
                ZoneId zone = randomZone(random);
                List<SnapshotInfo> shuffled = new ArrayList<>(snapshots);
                Collections.shuffle(shuffled, random);

                Map<SnapshotGroup, RetentionDecision> original = Retention.apply(snapshots, policy, zone);
                Map<SnapshotGroup, RetentionDecision> reordered = Retention.apply(shuffled, policy, zone);

                assertThat(new ArrayList<>(reordered.entrySet())).isEqualTo(new ArrayList<>(original.entrySet()));
            });
        }

        @Test
        void emptyPolicyIsAlwaysRefused() {
            forEachCase(random -> {
                List<SnapshotInfo> snapshots = randomSnapshots(random);
                Duration within = random.nextBoolean() ? null : Duration.ZERO;
                RetentionPolicy empty = new RetentionPolicy(0, 0, 0, 0, 0, 0, within, random.nextBoolean() ? null : Set.of());

                assertThat(empty.isEmpty()).isTrue();
                assertThatThrownBy(() -> Retention.apply(snapshots, empty, randomZone(random)))
                        .isInstanceOf(IllegalArgumentException.class);
            });
        }

        // ----- generators and helpers -----

        private void forEachCase(Consumer<Random> property) {
            for (int i = 0; i < CASES; i++) {
                long seed = BASE_SEED + i;
                try {
                    property.accept(new Random(seed));
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("property failed for seed " + seed + ": " + e.getMessage(), e);
                }
            }
        }

        private List<SnapshotInfo> randomSnapshots(Random random) {
            int size = random.nextInt(201);
            int hosts = 1 + random.nextInt(3);
            // Vary the density so hours and days often hold several snapshots, not just one.
            long spanSeconds = switch (random.nextInt(3)) {
                case 0 -> Duration.ofDays(2).toSeconds();
                case 1 -> Duration.ofDays(60).toSeconds();
                default -> THREE_YEARS_S;
            };
            long offset = random.nextLong(THREE_YEARS_S - spanSeconds + 1);
            List<SnapshotInfo> snapshots = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                Instant time = !snapshots.isEmpty() && random.nextInt(10) == 0
                        ? snapshots.get(random.nextInt(snapshots.size())).time() // an exact tie
                        : START.plusSeconds(offset + random.nextLong(spanSeconds));
                Set<String> tags = new HashSet<>();
                for (String tag : TAGS) {
                    if (random.nextInt(10) == 0) {
                        tags.add(tag);
                    }
                }
                // Random prefix so the id tie-break does not follow creation order.
                String id = String.format("%08x-%d", random.nextInt(), i);
                snapshots.add(new SnapshotInfo(id, time, "host" + random.nextInt(hosts),
                        PATH_SETS.get(random.nextInt(PATH_SETS.size())), tags));
            }
            return snapshots;
        }

        private RetentionPolicy randomPolicy(Random random) {
            RetentionPolicy policy;
            do {
                Duration within = random.nextInt(4) == 0 ? Duration.ofMinutes(1 + random.nextInt(60 * 24 * 90)) : null;
                Set<String> tags = new HashSet<>();
                if (random.nextInt(5) == 0) {
                    tags.add(TAGS.get(random.nextInt(TAGS.size())));
                }
                policy = new RetentionPolicy(randomCount(random), randomCount(random), randomCount(random),
                        randomCount(random), randomCount(random), randomCount(random), within, tags);
            } while (policy.isEmpty());
            return policy;
        }

        private int randomCount(Random random) {
            int roll = random.nextInt(20);
            if (roll < 11) {
                return 0;
            }
            return roll < 13 ? -1 : 1 + random.nextInt(12);
        }

        /** A policy that is at least as generous as {@code policy} in every rule. */
        private RetentionPolicy grow(RetentionPolicy policy, Random random) {
            Duration within = policy.keepWithin();
            if (random.nextBoolean()) {
                within = (within == null ? Duration.ZERO : within).plusMinutes(random.nextInt(60 * 24 * 30));
            }
            Set<String> tags = new HashSet<>(policy.keepTags());
            if (random.nextInt(4) == 0) {
                tags.add(TAGS.get(random.nextInt(TAGS.size())));
            }
            return new RetentionPolicy(grow(policy.keepLast(), random), grow(policy.keepHourly(), random),
                    grow(policy.keepDaily(), random), grow(policy.keepWeekly(), random),
                    grow(policy.keepMonthly(), random), grow(policy.keepYearly(), random), within, tags);
        }

        private int grow(int count, Random random) {
            if (count == -1) {
                return -1;
            }
            return random.nextInt(8) == 0 ? -1 : count + random.nextInt(4);
        }

        private ZoneId randomZone(Random random) {
            return ZONES.get(random.nextInt(ZONES.size()));
        }

        private boolean usesCountOrWithin(RetentionPolicy policy) {
            return policy.keepLast() != 0 || policy.keepHourly() != 0 || policy.keepDaily() != 0
                    || policy.keepWeekly() != 0 || policy.keepMonthly() != 0 || policy.keepYearly() != 0
                    || policy.keepWithin() != null;
        }

        /** Grouping done independently of Retention: host plus sorted paths. */
        private Map<SnapshotGroup, List<SnapshotInfo>> groupsOf(List<SnapshotInfo> snapshots) {
            Map<SnapshotGroup, List<SnapshotInfo>> groups = new TreeMap<>();
            for (SnapshotInfo s : snapshots) {
                List<String> sorted = s.paths().stream().sorted().toList();
                groups.computeIfAbsent(new SnapshotGroup(s.host(), sorted), g -> new ArrayList<>()).add(s);
            }
            return groups;
        }

        private Set<String> keptIds(Map<SnapshotGroup, RetentionDecision> result) {
            return result.values().stream()
                    .flatMap(d -> d.keptSnapshots().stream())
                    .map(SnapshotInfo::id)
                    .collect(Collectors.toSet());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Shared helpers.
    // ---------------------------------------------------------------------------------------------

    private static RetentionPolicy.Builder policy() {
        return RetentionPolicy.builder();
    }

    private static SnapshotInfo snap(String id, String time, String... tags) {
        return new SnapshotInfo(id, Instant.parse(time), "host", List.of("/data"), Set.of(tags));
    }

    private static SnapshotInfo snap(String id, String host, List<String> paths, String time) {
        return new SnapshotInfo(id, Instant.parse(time), host, paths, Set.of());
    }

    private static RetentionDecision single(Map<SnapshotGroup, RetentionDecision> result) {
        assertThat(result).hasSize(1);
        return result.values().iterator().next();
    }

    /** Kept ids mapped to their reasons, in the decision's (newest first) order. */
    private static Map<String, List<String>> reasons(RetentionDecision decision) {
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        decision.keep().forEach(k -> reasons.put(k.snapshot().id(), k.reasons()));
        return reasons;
    }

    private static List<String> ids(List<SnapshotInfo> snapshots) {
        return snapshots.stream().map(SnapshotInfo::id).toList();
    }
}
