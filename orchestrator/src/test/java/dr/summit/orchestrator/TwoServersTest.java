package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.orchestrator.schedule.ManualClock;
import dr.summit.repository.Repository;
import dr.summit.repository.lease.Lease;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two servers on one repository (issue 17): each opens the repository itself, as two processes would, and
 * they coordinate only through it — claims on job targets and write-once run records of schedules.
 */
class TwoServersTest {
    @TempDir
    Path dir;

    /** A second server: its own Repository object, orchestrator and HTTP server over the same directory. */
    private static final class Second implements AutoCloseable {
        final Repository repo;
        final Orchestrator orchestrator;
        final OrchestratorServer server;

        Second(Path repoDir, OrchestratorConfig config, java.time.Clock clock) throws Exception {
            repo = Repository.open(new LocalDirectoryStore(repoDir), LiveOrchestrator.PASSWORD);
            orchestrator = new Orchestrator(repo, config, List.of(), null, clock);
            server = OrchestratorServer.start(orchestrator, "127.0.0.1", 0, null, line -> { });
        }

        @Override
        public void close() throws Exception {
            server.close();
            orchestrator.close();
            repo.close();
        }
    }

    @Test
    void aRecoveryOfATargetTheOtherServerIsRecoveringGets409AndABackupJoinsTheOtherServersJob() throws Exception {
        try (LiveOrchestrator a = LiveOrchestrator.start(dir);
             Second b = new Second(a.repoDir, a.orchestrator.config(), java.time.Clock.systemUTC())) {
            Path target = dir.resolve("restore-here").toAbsolutePath().normalize();
            // Server A is busy with the target (held by a job that waits for the test), as a long recovery would be.
            CountDownLatch release = new CountDownLatch(1);
            JobRunner.Submitted busy = a.orchestrator.jobs().submit(new JobRunner.Spec("recovery", "files", null, target.toString(), false,
                    "alice", "recover:" + target, false, null), ctx -> {
                release.await();
                return Map.of();
            });
            JobRunner.Submitted backingUp = a.orchestrator.jobs().submit(new JobRunner.Spec("backup", "files:docs", null, null, false,
                    "olga", "backup:files:docs", true, null), ctx -> {
                release.await();
                return Map.of();
            });
            try {
                LiveOrchestrator.Response refused = post(a, b.server.uri(), "/api/v1/recovery/files", a.admin,
                        "{\"backupId\":\"latest\",\"target\":\"" + target + "\"}");
                assertThat(refused.status()).as(refused.body()).isEqualTo(409);
                assertThat(refused.json().path("job").asText()).isEqualTo(busy.job().id());
                assertThat(refused.json().path("error").asText()).contains("job " + busy.job().id()).contains("lease expires at");

                // Another target is free on B while A works.
                LiveOrchestrator.Response other = post(a, b.server.uri(), "/api/v1/recovery/files", a.admin,
                        "{\"backupId\":\"latest\",\"target\":\"" + dir.resolve("elsewhere") + "\"}");
                assertThat(other.status()).as(other.body()).isEqualTo(202);
                assertThat(a.awaitJob(other.raw().headers().firstValue("Location").orElseThrow()).path("state").asText()).isEqualTo("succeeded");

                // POST /api/v1/backups on B while A backs the same source up: B answers with A's job, runs nothing.
                LiveOrchestrator.Response joined = post(a, b.server.uri(), "/api/v1/backups", a.operator, "{\"type\":\"files\",\"source\":\"docs\"}");
                assertThat(joined.status()).as(joined.body()).isEqualTo(200);
                assertThat(joined.json().path("id").asText()).isEqualTo(backingUp.job().id());
            } finally {
                release.countDown();
            }
            assertThat(a.orchestrator.jobs().await(busy.job().id(), Duration.ofSeconds(30)).state()).isEqualTo("succeeded");
            a.orchestrator.jobs().await(backingUp.job().id(), Duration.ofSeconds(30));
            // Released at the end: B may recover into the target now, and its backup runs itself.
            LiveOrchestrator.Response now = post(a, b.server.uri(), "/api/v1/recovery/files", a.admin,
                    "{\"backupId\":\"latest\",\"target\":\"" + target + "\"}");
            assertThat(now.status()).as(now.body()).isEqualTo(202);
            assertThat(a.awaitJob(now.raw().headers().firstValue("Location").orElseThrow()).path("state").asText()).isEqualTo("succeeded");
            LiveOrchestrator.Response own = post(a, b.server.uri(), "/api/v1/backups", a.operator, "{\"source\":\"files:docs\"}");
            assertThat(own.status()).as(own.body()).isEqualTo(202);
            assertThat(a.awaitJob(own.raw().headers().firstValue("Location").orElseThrow()).path("result").path("snapshot").asText()).hasSize(64);
            assertThat(a.repo.store().list(Lease.PREFIX).stream().map(n -> Lease.fromJson(a.repo.store().get(n), n))
                    .filter(l -> l.claim() != null).toList()).as("no claim outlives its job").isEmpty();
        }
    }

    @Test
    void aServerThatCrashedOnAnotherHostHoldsItsTargetOnlyUntilItsClaimExpired() throws Exception {
        try (LiveOrchestrator a = LiveOrchestrator.start(dir)) {
            Path target = dir.resolve("restore-here").toAbsolutePath().normalize();
            String body = "{\"backupId\":\"latest\",\"target\":\"" + target + "\"}";
            // What a server on db2 left when it died mid-recovery: its claim, renewed for the last time 10 minutes ago.
            Instant renewed = Instant.now().minus(Duration.ofMinutes(10));
            Lease crashed = new Lease(1, "00112233445566778899aabbccddeeff", "db2", 4242, "summit-dr server", renewed.minus(Duration.ofHours(1)),
                    renewed.plus(Duration.ofMinutes(15)), null, null, null, "recover:" + target, "job 0123456789abcdef");
            a.repo.store().put(Lease.objectName(crashed.id()), crashed.toJson());
            LiveOrchestrator.Response held = a.post("/api/v1/recovery/files", a.admin, body);
            assertThat(held.status()).as(held.body()).isEqualTo(409);
            assertThat(held.json().path("error").asText()).contains("the server on db2 (pid 4242)").contains("lease expires at " + crashed.expires());

            // Past its expiry plus the allowed clock skew (5 minutes): nobody unlocks anything, the target is free.
            a.repo.store().replace(Lease.objectName(crashed.id()), crashed.renewed(Instant.now().minus(Duration.ofMinutes(6))).toJson());
            LiveOrchestrator.Response free = a.post("/api/v1/recovery/files", a.admin, body);
            assertThat(free.status()).as(free.body()).isEqualTo(202);
            assertThat(a.awaitJob(free.raw().headers().firstValue("Location").orElseThrow()).path("state").asText()).isEqualTo("succeeded");
        }
    }

    @Test
    void aJobLeftRunningByACrashedServerReadsAsInterruptedOnceItsClaimExpiredOnEveryServerAndAfterARestart() throws Exception {
        try (LiveOrchestrator a = LiveOrchestrator.start(dir)) {
            OrchestratorConfig config = new OrchestratorConfig(null, dir.resolve("scratch").toString(), dir.resolve("reports").toString(),
                    List.of(new OrchestratorConfig.FilesEntry("docs", a.source.toString())), List.of(), List.of(), List.of(), List.of(
                    new OrchestratorConfig.ScheduleEntry(null, "backup", "files:docs", null, null, "0 2 * * *", null)));
            a.server.close();
            a.orchestrator.close();
            a.startServer(config);
            // What a server on db2 left when it was killed in the middle of a scheduled backup: the job's newest record
            // says running, and its claim is still in the repository, renewed 2 minutes ago.
            Instant renewed = Instant.now().minus(Duration.ofMinutes(2));
            String jobId = "0123456789abcdef";
            Lease claim = new Lease(1, "00112233445566778899aabbccddeeff", "db2", 4242, "summit-dr server", renewed.minus(Duration.ofHours(1)),
                    renewed.plus(Duration.ofMinutes(15)), null, null, null, "backup:files:docs", "job " + jobId);
            a.repo.store().put(Lease.objectName(claim.id()), claim.toJson());
            Instant created = Instant.now().minus(Duration.ofMinutes(62));
            a.orchestrator.jobStore().save(new Job(jobId, "backup", "files:docs", null, null, Job.RUNNING, "reading files", 0.4, 1234,
                    created, created.plusSeconds(1), null, null, "schedule:backup-files-docs", false, null,
                    new Job.Holder(claim.id(), "db2", 4242, "summit-dr server")));

            // While the claim may still be renewed, the job is db2's and running, for every reader.
            assertThat(a.get("/api/v1/jobs/" + jobId, a.viewer).json().path("state").asText()).isEqualTo("running");
            assertThat(a.get("/api/v1/recovery/status", a.viewer).json().path("running").findValuesAsText("id")).containsExactly(jobId);

            // Past its expiry plus the allowed clock skew (5 minutes): db2 stopped, and every read says so.
            Lease expired = claim.renewed(Instant.now().minus(Duration.ofMinutes(6)));
            a.repo.store().replace(Lease.objectName(claim.id()), expired.toJson());
            JsonNode job = a.get("/api/v1/jobs/" + jobId, a.viewer).json();
            assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("interrupted");
            assertThat(job.path("error").asText()).contains("'summit-dr server' on db2 (pid 4242) stopped while the job was running (reading files)")
                    .contains("lease expired at " + expired.expires());
            assertThat(job.path("finished").asText()).isEqualTo(expired.expires().toString());
            assertThat(job.path("phase").asText()).isEqualTo("reading files");
            JsonNode status = a.get("/api/v1/recovery/status", a.viewer).json();
            assertThat(status.path("running").findValuesAsText("id")).as("not counted as running").isEmpty();
            JsonNode schedule = status.path("schedules").get(0);
            assertThat(schedule.path("lastResult").asText()).isEqualTo("interrupted");
            assertThat(schedule.path("lastRun").path("error").asText()).contains("db2 (pid 4242)");
            assertThat(a.get("/metrics", null).body()).contains("summit_schedule_last_run_succeeded{schedule=\"backup-files-docs\"} 0");
            // Nothing was written for it: the record stays db2's, should db2 only have been paused and come back.
            assertThat(a.orchestrator.records().list("jobs/" + jobId + "/")).hasSize(1);
            assertThat(a.post("/api/v1/jobs/" + jobId + "/cancel", a.operator, "").status()).isEqualTo(409);

            // A prune removed the expired lease: still interrupted, and a restarted server reports it and counts it so.
            a.repo.store().delete(Lease.objectName(claim.id()));
            try (Second b = new Second(a.repoDir, config, java.time.Clock.systemUTC())) {
                JsonNode afterRestart = get(a, b.server.uri(), "/api/v1/jobs/" + jobId, a.viewer).json();
                assertThat(afterRestart.path("state").asText()).isEqualTo("interrupted");
                assertThat(afterRestart.path("error").asText()).contains("db2 (pid 4242)").contains("its claim is gone");
                assertThat(get(a, b.server.uri(), "/metrics", null).body())
                        .contains("summit_orchestrator_jobs{type=\"backup\",state=\"interrupted\"} 1")
                        .contains("summit_schedule_last_run_succeeded{schedule=\"backup-files-docs\"} 0");
            }
            // The source is free again: the next backup runs at once.
            LiveOrchestrator.Response next = a.post("/api/v1/backups", a.operator, "{\"source\":\"files:docs\"}");
            assertThat(next.status()).as(next.body()).isEqualTo(202);
            assertThat(a.awaitJob(next.raw().headers().firstValue("Location").orElseThrow()).path("state").asText()).isEqualTo("succeeded");
        }
    }

    @Test
    void aJobOfALiveServerReadsAsRunningElsewhereAndEndsWithItsOutcomeNeverAsInterrupted() throws Exception {
        try (LiveOrchestrator a = LiveOrchestrator.start(dir);
             Second b = new Second(a.repoDir, a.orchestrator.config(), java.time.Clock.systemUTC())) {
            CountDownLatch release = new CountDownLatch(1);
            JobRunner.Submitted busy = b.orchestrator.jobs().submit(new JobRunner.Spec("drill", null, "backup-validation", null, false,
                    "olga", "drill:backup-validation", true, null), ctx -> {
                release.await();
                return Map.of("passed", true);
            });
            String id = busy.job().id();
            JsonNode onA = a.get("/api/v1/jobs/" + id, a.viewer).json();
            assertThat(onA.path("holder").path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
            assertThat(onA.path("holder").path("command").asText()).isEqualTo("summit-dr server");
            release.countDown();
            // Read from A as often as it can while B ends the job: its final record is saved before its claim goes.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            java.util.Set<String> seen = new java.util.TreeSet<>();
            String state;
            do {
                state = a.orchestrator.jobStore().find(id).orElseThrow().state();
                seen.add(state);
            } while (!"succeeded".equals(state) && System.nanoTime() < deadline);
            assertThat(seen).doesNotContain("interrupted").contains("succeeded");
            assertThat(a.orchestrator.jobStore().all().stream().filter(j -> j.id().equals(id)).findFirst().orElseThrow().state())
                    .isEqualTo("succeeded");
        }
    }

    @Test
    void aTargetHeldByACommandLineDrillRunGets409NamingThatCommandNotAServer() throws Exception {
        try (LiveOrchestrator a = LiveOrchestrator.start(dir);
             Repository cliRepo = Repository.open(new LocalDirectoryStore(a.repoDir), LiveOrchestrator.PASSWORD);
             Orchestrator cli = new Orchestrator(cliRepo, a.orchestrator.config(), List.of(), null, java.time.Clock.systemUTC(),
                     "summit-dr drill run")) {
            Path target = dir.resolve("restore-here").toAbsolutePath().normalize();
            CountDownLatch release = new CountDownLatch(1);
            JobRunner.Submitted busy = cli.jobs().submit(new JobRunner.Spec("recovery", "files", null, target.toString(), false,
                    "cli:alice", "recover:" + target, false, null), ctx -> {
                release.await();
                return Map.of();
            });
            try {
                LiveOrchestrator.Response refused = a.post("/api/v1/recovery/files", a.admin,
                        "{\"backupId\":\"latest\",\"target\":\"" + target + "\"}");
                assertThat(refused.status()).as(refused.body()).isEqualTo(409);
                assertThat(refused.json().path("error").asText()).contains("job " + busy.job().id() + " of 'summit-dr drill run' on ")
                        .contains("(pid " + ProcessHandle.current().pid() + ")").doesNotContain("the server");
                assertThat(a.repo.store().list(Lease.PREFIX).stream().map(n -> Lease.fromJson(a.repo.store().get(n), n))
                        .filter(l -> ("recover:" + target).equals(l.claim())).map(Lease::command).toList()).containsExactly("summit-dr drill run");
            } finally {
                release.countDown();
            }
            assertThat(cli.jobs().await(busy.job().id(), Duration.ofSeconds(30)).state()).isEqualTo("succeeded");
        }
    }

    @Test
    void twoSchedulersStartEachDueRunOnceAndTheOtherSaysItRanElsewhere() throws Exception {
        try (LiveOrchestrator a = LiveOrchestrator.start(dir)) {
            OrchestratorConfig config = new OrchestratorConfig(null, dir.resolve("scratch").toString(), dir.resolve("reports").toString(),
                    List.of(new OrchestratorConfig.FilesEntry("docs", a.source.toString())), List.of(), List.of(), List.of(), List.of(
                    new OrchestratorConfig.ScheduleEntry(null, "backup", "files:docs", null, null, "0 2 * * *", null),
                    new OrchestratorConfig.ScheduleEntry(null, "drill", null, "backup-validation", null, "30 2 * * *", null)));
            a.server.close();
            a.orchestrator.close();
            ManualClock clock = new ManualClock(Instant.parse("2026-03-02T01:00:00Z"));
            a.startServer(config, clock);
            try (Second b = new Second(a.repoDir, config, clock)) {
                clock.set(Instant.parse("2026-03-02T02:00:00Z"));
                var firstA = a.orchestrator.scheduler().tick();
                var firstB = b.orchestrator.scheduler().tick();
                assertThat(firstA).containsOnlyKeys("backup-files-docs");
                assertThat(firstB).as("B found the 02:00 run started by A").isEmpty();
                a.awaitJob("/api/v1/jobs/" + firstA.get("backup-files-docs").job().id());

                clock.set(Instant.parse("2026-03-02T02:30:00Z")); // B ticks first this time: B runs the drill, A does not
                var secondB = b.orchestrator.scheduler().tick();
                var secondA = a.orchestrator.scheduler().tick();
                assertThat(secondB).containsOnlyKeys("drill-backup-validation");
                assertThat(secondA).isEmpty();
                a.awaitJob("/api/v1/jobs/" + secondB.get("drill-backup-validation").job().id());

                long backups = a.orchestrator.jobStore().all().stream().filter(j -> "schedule:backup-files-docs".equals(j.requestedBy())).count();
                long drills = a.orchestrator.jobStore().all().stream().filter(j -> "schedule:drill-backup-validation".equals(j.requestedBy())).count();
                assertThat(backups).isEqualTo(1);
                assertThat(drills).isEqualTo(1);
                JsonNode statusA = a.get("/api/v1/recovery/status", a.viewer).json();
                assertThat(statusA.path("schedules").get(1).path("ranElsewhere").asText()).isEqualTo("2026-03-02T02:30:00Z");
                for (JsonNode s : statusA.path("schedules")) {
                    assertThat(s.path("missed").asInt()).as("a run elsewhere is no miss: " + s).isZero();
                    assertThat(s.path("lastResult").asText()).as(s.toString()).isEqualTo("succeeded");
                }
            }
        }
    }

    private static LiveOrchestrator.Response get(LiveOrchestrator any, URI server, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = any.http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                ? dr.summit.orchestrator.records.Json.MAPPER.readTree(r.body()) : null;
        return new LiveOrchestrator.Response(r.statusCode(), json, r.body(), r);
    }

    private static LiveOrchestrator.Response post(LiveOrchestrator any, URI server, String path, String token, String body) throws Exception {
        HttpResponse<String> r = any.http.send(HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                ? dr.summit.orchestrator.records.Json.MAPPER.readTree(r.body()) : null;
        return new LiveOrchestrator.Response(r.statusCode(), json, r.body(), r);
    }
}
