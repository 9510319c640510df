package dr.summit.orchestrator.schedule;

import dr.summit.files.backup.Archiver;
import dr.summit.orchestrator.Orchestrator;
import dr.summit.orchestrator.OrchestratorConfig;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.repository.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The rolling verify through the orchestrator's scheduler, over a real repository with real packs. */
class RollingVerifyTest {
    @TempDir
    Path dir;

    @Test
    void aCycleReadsEveryPackExactlyOnceAndARestartContinuesWhereTheLastRunEnded() throws Exception {
        try (Repository repo = SchedulerTest.repo(dir)) {
            Path src = dir.resolve("src");
            Files.createDirectories(src);
            Random random = new Random(5);
            for (int i = 0; i < 8; i++) {
                byte[] b = new byte[700 * 1024];
                random.nextBytes(b);
                Files.write(src.resolve("f" + i + ".bin"), b);
            }
            repo.loadIndex();
            new Archiver(repo, Archiver.Options.defaults("test-host", "tester", "summit-dr test").withThreads(2, 2)).backup(List.of(src), null);
            repo.loadIndex();
            Set<String> packs = new TreeSet<>();
            repo.index().forEach(e -> packs.add(HexFormat.of().formatHex(e.packId())));
            assertThat(packs).as("enough packs to slice").hasSizeGreaterThanOrEqualTo(4);

            OrchestratorConfig config = new OrchestratorConfig(null, dir.resolve("scratch").toString(), dir.resolve("reports").toString(),
                    List.of(), List.of(), List.of(), List.of(), List.of(new OrchestratorConfig.ScheduleEntry(null, "verify", null, null, "25%", "0 4 * * *", null)));
            ManualClock clock = new ManualClock(Instant.parse("2026-03-01T03:00:00Z"));
            Set<String> readThisCycle = new HashSet<>();
            long packsRead = 0;
            Orchestrator o = new Orchestrator(repo, config, List.of(), null, clock);
            for (int day = 1; day <= 4; day++) {
                if (day == 3) {
                    o.close(); // a restart: the next run continues from the job records alone
                    o = new Orchestrator(repo, config, List.of(), null, clock);
                }
                clock.set(Instant.parse("2026-03-0" + day + "T04:00:00Z"));
                JobRunner.Submitted run = o.scheduler().tick().get("verify-rolling");
                Job done = o.jobs().await(run.job().id(), Duration.ofSeconds(60));
                assertThat(done.state()).isEqualTo(Job.SUCCEEDED);
                @SuppressWarnings("unchecked")
                Map<String, Object> rolling = (Map<String, Object>) done.result().get("rolling");
                assertThat(((Number) rolling.get("position")).intValue()).as("run of day " + day).isEqualTo(day - 1);
                assertThat(((Number) rolling.get("cycle")).intValue()).isEqualTo(1);
                assertThat(rolling.get("cycleStart")).isEqualTo("2026-03-01T04:00:00Z");
                RollingVerify.Position p = new RollingVerify.Position(1, day - 1, 4, Instant.parse("2026-03-01T04:00:00Z"));
                List<String> slice = RollingVerify.slice(new ArrayList<>(packs), p);
                assertThat(((Number) rolling.get("packsRead")).intValue()).isEqualTo(slice.size());
                for (String pack : slice) {
                    assertThat(readThisCycle.add(pack)).as("pack " + pack + " read twice in one cycle").isTrue();
                }
                packsRead += slice.size();
            }
            assertThat(readThisCycle).as("every pack read in the cycle").isEqualTo(packs);
            assertThat(packsRead).isEqualTo(packs.size());
            Map<String, Object> coverage = RollingVerify.coverage(o.jobStore().all()).orElseThrow();
            assertThat(coverage).containsEntry("runsDone", 4).containsEntry("packsRead", (long) packs.size()).containsEntry("coverage", 1.0);

            // The fifth run starts cycle 2 at position 0.
            clock.set(Instant.parse("2026-03-05T04:00:00Z"));
            Job fifth = o.jobs().await(o.scheduler().tick().get("verify-rolling").job().id(), Duration.ofSeconds(60));
            @SuppressWarnings("unchecked")
            Map<String, Object> rolling = (Map<String, Object>) fifth.result().get("rolling");
            assertThat(rolling).containsEntry("cycle", 2).containsEntry("position", 0).containsEntry("cycleStart", "2026-03-05T04:00:00Z");
            assertThat(RollingVerify.coverage(o.jobStore().all()).orElseThrow()).containsEntry("cycle", 2).containsEntry("runsDone", 1);
            o.close();
        }
    }

    @Test
    void aSliceWithADamagedPackFailsTheRunLoudlyAndTheNextRunMovesOn() throws Exception {
        try (Repository repo = SchedulerTest.repo(dir)) {
            Path src = dir.resolve("src");
            Files.createDirectories(src);
            byte[] b = new byte[900 * 1024];
            new Random(9).nextBytes(b);
            Files.write(src.resolve("f.bin"), b);
            repo.loadIndex();
            new Archiver(repo, Archiver.Options.defaults("test-host", "tester", "summit-dr test").withThreads(2, 2)).backup(List.of(src), null);
            try (var packs = Files.walk(dir.resolve("repo").resolve("data"))) {
                for (Path pack : packs.filter(Files::isRegularFile).toList()) {
                    byte[] bytes = Files.readAllBytes(pack);
                    bytes[bytes.length / 3] ^= 0x40; // inside the data, not the trailer
                    pack.toFile().setWritable(true);
                    Files.write(pack, bytes);
                }
            }
            OrchestratorConfig config = new OrchestratorConfig(null, null, null, List.of(), List.of(), List.of(), List.of(),
                    List.of(new OrchestratorConfig.ScheduleEntry(null, "verify", null, null, "50%", "0 4 * * *", null)));
            ManualClock clock = new ManualClock(Instant.parse("2026-03-01T03:00:00Z"));
            try (Orchestrator o = new Orchestrator(repo, config, List.of(), null, clock)) {
                List<Job> runs = new ArrayList<>();
                for (int day = 1; day <= 2; day++) {
                    clock.set(Instant.parse("2026-03-0" + day + "T04:00:00Z"));
                    runs.add(o.jobs().await(o.scheduler().tick().get("verify-rolling").job().id(), Duration.ofSeconds(60)));
                }
                // Both slices together read every (damaged) pack: one of the runs failed, naming the problem, and the
                // failed one still counts as read (position 1 follows position 0; coverage is complete).
                assertThat(runs).extracting(Job::state).contains(Job.FAILED);
                Job failed = runs.stream().filter(j -> Job.FAILED.equals(j.state())).findFirst().orElseThrow();
                assertThat(failed.error()).startsWith("verify found ");
                // (a run whose slice holds no damaged pack may still fail: a damaged tree breaks the structure check)
                assertThat(runs).flatExtracting(j -> (List<?>) j.result().get("damagedPacks")).as("the damaged packs named").isNotEmpty();
                assertThat(runs).extracting(j -> (Object) ((Map<?, ?>) j.result().get("rolling")).get("position")).containsExactly(0, 1);
                assertThat(RollingVerify.coverage(o.jobStore().all()).orElseThrow()).containsEntry("coverage", 1.0);
                Map<String, Object> status = o.scheduler().status(o.jobStore().all()).get(0);
                assertThat(status.get("lastResult")).isEqualTo(runs.get(1).state());
                assertThat(o.scheduler().metricsText()).contains("summit_schedule_last_run_succeeded{schedule=\"verify-rolling\"} "
                        + (Job.FAILED.equals(runs.get(1).state()) ? 0 : 1));
            }
        }
    }
}
