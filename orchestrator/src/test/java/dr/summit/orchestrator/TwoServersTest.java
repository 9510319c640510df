package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
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

    private static LiveOrchestrator.Response post(LiveOrchestrator any, URI server, String path, String token, String body) throws Exception {
        HttpResponse<String> r = any.http.send(HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                ? dr.summit.orchestrator.records.Json.MAPPER.readTree(r.body()) : null;
        return new LiveOrchestrator.Response(r.statusCode(), json, r.body(), r);
    }
}
