package dr.summit.orchestrator.schedule;

import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.orchestrator.jobs.JobStore;
import dr.summit.orchestrator.records.Records;
import dr.summit.repository.Repository;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scheduler over a real repository and JobRunner, driven by a manual clock and tick(). */
class SchedulerTest {
    static final Repository.InitOptions FAST = new Repository.InitOptions(
            new ChunkerParams(64 * 1024, 128 * 1024, 512 * 1024), 1024 * 1024, Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    static final char[] PASSWORD = "correct horse battery staple".toCharArray();

    @TempDir
    Path dir;

    static Repository repo(Path dir) {
        Repository.init(new LocalDirectoryStore(dir.resolve("repo")), PASSWORD, FAST).close();
        return Repository.open(new LocalDirectoryStore(dir.resolve("repo")), PASSWORD);
    }

    /** Remembers missed-run notifications, as the webhook notifier receives them. */
    static final class Missed implements OrchestratorEvents {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void scheduleMissed(String schedule, Instant due, String reason) {
            seen.add(schedule + "@" + due + ": " + reason);
        }
    }

    @Test
    void aDueScheduleFiresOnceAnOverlappingRunCoalescesAndEveryMissIsRecordedAndToldOnce() throws Exception {
        Schedule drill = Schedule.of(null, "drill", null, "backup-validation", null, "0 2 * * *", null);
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T01:59:59Z"));
        CountDownLatch release = new CountDownLatch(1);
        Missed missed = new Missed();
        try (Repository repo = repo(dir);
             JobRunner jobs = new JobRunner(new JobStore(new Records(repo)), OrchestratorEvents.NONE, clock, 2)) {
            JobStore store = new JobStore(new Records(repo));
            Scheduler.Launcher launcher = s -> jobs.submit(new JobRunner.Spec("drill", null, s.scenario(), null, false, s.requester(),
                    "drill:" + s.scenario(), true, null), ctx -> {
                        release.await(30, TimeUnit.SECONDS);
                        return Map.of("passed", true);
                    });
            Scheduler scheduler = new Scheduler(List.of(drill), launcher, store, new Records(repo), missed, clock);
            assertThat(scheduler.tick()).as("not due before 02:00").isEmpty();

            clock.set(Instant.parse("2026-03-01T02:00:00Z"));
            Map<String, JobRunner.Submitted> fired = scheduler.tick();
            assertThat(fired).containsKey("drill-backup-validation");
            assertThat(fired.get("drill-backup-validation").created()).isTrue();
            String first = fired.get("drill-backup-validation").job().id();
            assertThat(scheduler.tick()).as("fires once per due time").isEmpty();

            // The next day's run finds the first still running: it joins it (no lock error) and counts as missed.
            clock.set(Instant.parse("2026-03-02T02:00:01Z"));
            JobRunner.Submitted second = scheduler.tick().get("drill-backup-validation");
            assertThat(second.created()).isFalse();
            assertThat(second.job().id()).isEqualTo(first);
            Map<String, Object> status = scheduler.status(store.all()).get(0);
            assertThat(status).containsEntry("missed", 1).containsEntry("nextRun", "2026-03-03T02:00:00Z").containsEntry("cron", "0 2 * * *");
            assertThat(String.valueOf(status.get("lastMissed"))).contains("still running").contains("2026-03-02T02:00:00Z");
            assertThat(missed.seen).hasSize(1);

            release.countDown();
            assertThat(jobs.await(first, Duration.ofSeconds(30)).state()).isEqualTo(Job.SUCCEEDED);
            assertThat(scheduler.status(store.all()).get(0)).containsEntry("lastResult", "succeeded");

            // Down from the 2nd to the 5th: a new server finds the 3rd, 4th and 5th missed, from the repository alone.
            clock.set(Instant.parse("2026-03-05T09:00:00Z"));
            Scheduler restarted = new Scheduler(List.of(drill), launcher, store, new Records(repo), missed, clock);
            Map<String, Object> after = restarted.status(store.all()).get(0);
            assertThat(after).containsEntry("missed", 4).containsEntry("nextRun", "2026-03-06T02:00:00Z");
            assertThat(String.valueOf(after.get("lastMissed"))).contains("not running").contains("2026-03-05T02:00:00Z").contains("count=3");
            assertThat(missed.seen).as("one notification for the three runs missed while down").hasSize(2);
            assertThat(missed.seen.get(1)).isEqualTo("drill-backup-validation@2026-03-05T02:00:00Z: the server was not running"
                    + " (3 runs since 2026-03-03T02:00:00Z)");
            assertThat(restarted.metricsText()).contains("summit_schedule_missed_runs{schedule=\"drill-backup-validation\"} 4")
                    .contains("summit_schedule_last_run_succeeded{schedule=\"drill-backup-validation\"} 1");

            // A second restart (or a second server) neither counts nor notifies them again.
            Scheduler again = new Scheduler(List.of(drill), launcher, store, new Records(repo), missed, clock);
            assertThat(again.status(store.all()).get(0)).containsEntry("missed", 4);
            assertThat(missed.seen).hasSize(2);
        }
    }

    @Test
    void theServerThatTakesADueTimeDeletesTheRunRecordsNoServerCanTryAgain() throws Exception {
        Schedule daily = Schedule.of(null, "drill", null, "backup-validation", null, "0 2 * * *", null);
        String runs = "schedules/drill-backup-validation/runs/";
        ManualClock clock = new ManualClock(Instant.parse("2026-03-31T01:00:00Z"));
        try (Repository repo = repo(dir);
             JobRunner jobs = new JobRunner(new JobStore(new Records(repo)), OrchestratorEvents.NONE, clock, 1)) {
            Records records = new Records(repo);
            // What a month of daily runs left behind: one write-once record per due time, March 1st to 30th.
            for (int day = 0; day < 30; day++) {
                Instant due = Instant.parse("2026-03-01T02:00:00Z").plus(Duration.ofDays(day));
                records.put(runs + String.format("%012d", due.getEpochSecond()), Map.of("schedule", daily.id(), "due", due.toString()));
            }
            Scheduler.Launcher launcher = s -> jobs.submit(new JobRunner.Spec("drill", null, s.scenario(), null, false, s.requester(),
                    "drill:" + s.scenario(), true, null), ctx -> Map.of("passed", true));
            Scheduler scheduler = new Scheduler(List.of(daily), launcher, new JobStore(records), records, OrchestratorEvents.NONE, clock);

            clock.set(Instant.parse("2026-03-31T02:00:00Z"));
            assertThat(scheduler.tick()).containsKey(daily.id());
            // Kept: the ten newest (March 22nd to the run just taken), which include every due time of the last week.
            List<String> left = records.list(runs);
            assertThat(left).hasSize(RunRecordRetention.KEEP_NEWEST);
            assertThat(left.get(0)).endsWith(String.format("%012d", Instant.parse("2026-03-22T02:00:00Z").getEpochSecond()));
            assertThat(left.get(left.size() - 1)).endsWith(String.format("%012d", Instant.parse("2026-03-31T02:00:00Z").getEpochSecond()));
            assertThat(scheduler.status(new JobStore(records).all()).get(0)).as("status reads jobs and misses, not run records")
                    .containsEntry("missed", 0).containsEntry("nextRun", "2026-04-01T02:00:00Z");
        }
    }

    @Test
    void aFailingTickIsToldOnceNotEverySecondAndItsEndIsToldToo() throws Exception {
        Schedule daily = Schedule.of(null, "drill", null, "backup-validation", null, "0 2 * * *", null);
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(false);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        // Every tick starts by reading the clock: one that fails stands for any failure of a tick (storage down, a bad record).
        java.time.Clock failing = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                reads.incrementAndGet();
                if (broken.get()) {
                    throw new IllegalStateException("storage unreachable:\nconnection refused");
                }
                return Instant.parse("2026-03-01T12:00:00Z");
            }
        };
        List<String> warnings = new CopyOnWriteArrayList<>();
        try (Repository repo = repo(dir)) {
            Records records = new Records(repo);
            Scheduler scheduler = new Scheduler(List.of(daily), s -> {
                throw new AssertionError("not due");
            }, new JobStore(records), records, OrchestratorEvents.NONE, failing);
            broken.set(true);
            int before = reads.get();
            scheduler.start(warnings::add);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (reads.get() < before + 3 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(reads.get()).as("three failing ticks").isGreaterThanOrEqualTo(before + 3);
                assertThat(warnings).containsExactly("summit-dr server: schedules could not be checked (retrying every second): "
                        + "storage unreachable: connection refused");
                broken.set(false);
                while (warnings.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(warnings).hasSize(2);
                assertThat(warnings.get(1)).startsWith("summit-dr server: schedules run again");
            } finally {
                scheduler.close();
            }
        }
    }

    @Test
    void badEntriesAreOneLineNamingTheKeyAndDefaultsAreTheSeedsTimes() {
        assertThatThrownBy(() -> Schedule.of(null, "drill", null, "backup-validation", null, "0 25 * * *", null))
                .hasMessageStartingWith("[[schedules]] cron '0 25 * * *' is not a UNIX cron expression");
        assertThatThrownBy(() -> Schedule.of(null, "verify", null, null, "0%", null, null)).hasMessageContaining("slice must be a percentage");
        assertThatThrownBy(() -> Schedule.of(null, "backup", "mysql:main", null, null, null, null)).hasMessageContaining("files:NAME");
        assertThatThrownBy(() -> Schedule.of(null, "prune", null, null, null, null, null)).hasMessageContaining("kind must be one of");
        assertThat(Schedule.of(null, "backup", "files:docs", null, null, null, null).nextAfter(Instant.parse("2026-03-01T12:00:00Z")))
                .contains(Instant.parse("2026-03-02T02:00:00Z"));
        assertThat(Schedule.of(null, "drill", null, "backup-validation", null, null, null).nextAfter(Instant.parse("2026-03-02T12:00:00Z")))
                .as("weekly, Sunday 03:00").contains(Instant.parse("2026-03-08T03:00:00Z"));
        assertThat(RollingVerify.cycleLength(10)).isEqualTo(10);
        assertThat(RollingVerify.cycleLength(30)).isEqualTo(4);
    }
}
