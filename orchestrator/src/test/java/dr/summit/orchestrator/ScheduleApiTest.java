package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.orchestrator.schedule.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Schedules as an operator sees them over the real server: status and /metrics, before and after a restart. */
class ScheduleApiTest {
    @TempDir
    Path dir;

    @Test
    void statusShowsEachSchedulesLastRunNextRunResultMissedRunsAndTheVerifyCoverage() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            OrchestratorConfig config = new OrchestratorConfig(null, dir.resolve("scratch").toString(), dir.resolve("reports").toString(),
                    List.of(new OrchestratorConfig.FilesEntry("docs", o.source.toString())), List.of(), List.of(), List.of(), List.of(
                    new OrchestratorConfig.ScheduleEntry(null, "backup", "files:docs", null, null, "0 2 * * *", null),
                    new OrchestratorConfig.ScheduleEntry(null, "verify", null, null, "50%", "0 4 * * *", null)));
            o.server.close();
            o.orchestrator.close();
            o.startServer(config, Clock.fixed(Instant.parse("2026-03-01T04:00:00Z"), ZoneOffset.UTC));
            // Not due yet at start (02:00 and 04:00 are not after 04:00 of today): nothing has run, nothing is missed.
            JsonNode before = o.get("/api/v1/recovery/status", o.viewer).json();
            assertThat(before.path("schedules").get(0).path("nextRun").asText()).isEqualTo("2026-03-02T02:00:00Z");
            assertThat(absent(before.path("schedules").get(0).path("lastRun"))).isTrue();
            assertThat(absent(before.path("rollingVerify"))).isTrue();

            o.server.close();
            o.orchestrator.close();
            ManualClock clock = new ManualClock(Instant.parse("2026-03-02T01:00:00Z"));
            o.startServer(config, clock);
            clock.set(Instant.parse("2026-03-02T04:00:00Z")); // the 02:00 backup is late, the 04:00 verify due: both start
            var fired = o.orchestrator.scheduler().tick();
            assertThat(fired).containsOnlyKeys("backup-files-docs", "verify-rolling");
            for (var s : fired.values()) {
                assertThat(o.awaitJob("/api/v1/jobs/" + s.job().id()).path("state").asText()).isEqualTo("succeeded");
            }
            JsonNode status = o.get("/api/v1/recovery/status", o.viewer).json();
            JsonNode backup = status.path("schedules").get(0);
            assertThat(backup.path("name").asText()).isEqualTo("backup-files-docs");
            assertThat(backup.path("lastResult").asText()).isEqualTo("succeeded");
            assertThat(backup.path("lastRun").path("created").asText()).isEqualTo("2026-03-02T04:00:00Z");
            assertThat(backup.path("nextRun").asText()).isEqualTo("2026-03-03T02:00:00Z");
            assertThat(backup.path("missed").asInt()).isZero();
            JsonNode coverage = status.path("rollingVerify");
            assertThat(coverage.path("cycle").asInt()).isEqualTo(1);
            assertThat(coverage.path("cycleLength").asInt()).isEqualTo(2);
            assertThat(coverage.path("runsDone").asInt()).isEqualTo(1);
            assertThat(coverage.path("packsTotal").asLong()).isPositive();

            // Down for two days: both schedules missed two runs each; status and /metrics say so after the restart.
            o.server.close();
            o.orchestrator.close();
            o.startServer(config, Clock.fixed(Instant.parse("2026-03-04T05:00:00Z"), ZoneOffset.UTC));
            JsonNode later = o.get("/api/v1/recovery/status", o.viewer).json();
            assertThat(later.path("schedules").get(0).path("missed").asInt()).isEqualTo(2);
            assertThat(later.path("schedules").get(0).path("lastMissed").path("due").asText()).isEqualTo("2026-03-04T02:00:00Z");
            assertThat(later.path("schedules").get(1).path("missed").asInt()).isEqualTo(2);
            assertThat(later.path("schedules").get(0).path("lastResult").asText()).isEqualTo("succeeded");
            assertThat(o.get("/metrics", null).body()).contains("summit_schedule_missed_runs{schedule=\"backup-files-docs\"} 2")
                    .contains("summit_schedule_last_run_succeeded{schedule=\"verify-rolling\"} 1")
                    .contains("summit_verify_cycle_coverage_ratio ");

            // catchUp (default for backups, not for verify): the first tick after the start runs the backup once now,
            // not at tomorrow's 02:00; the verify waits for its next slot.
            var caughtUp = o.orchestrator.scheduler().tick();
            assertThat(caughtUp).containsOnlyKeys("backup-files-docs");
            assertThat(o.awaitJob("/api/v1/jobs/" + caughtUp.get("backup-files-docs").job().id()).path("state").asText()).isEqualTo("succeeded");
            JsonNode after = o.get("/api/v1/recovery/status", o.viewer).json().path("schedules");
            assertThat(after.get(0).path("lastRun").path("created").asText()).isEqualTo("2026-03-04T05:00:00Z");
            assertThat(after.get(0).path("catchUp").asBoolean()).isTrue();
            assertThat(after.get(0).path("missed").asInt()).as("the misses stay on record").isEqualTo(2);
            assertThat(after.get(0).path("lastMissed").path("reason").asText()).contains("caught up at start");
            assertThat(after.get(1).path("catchUp").asBoolean()).isFalse();
            assertThat(o.orchestrator.scheduler().tick()).as("caught up once").isEmpty();

            // A restart right after: nothing missed since the catch-up run, nothing to catch up.
            o.server.close();
            o.orchestrator.close();
            o.startServer(config, Clock.fixed(Instant.parse("2026-03-04T05:10:00Z"), ZoneOffset.UTC));
            assertThat(o.orchestrator.scheduler().tick()).isEmpty();
            assertThat(o.get("/api/v1/recovery/status", o.viewer).json().path("schedules").get(0).path("missed").asInt()).isEqualTo(2);
        }
    }

    /** Null and left-out are the same to a client (the JSON writer leaves nulls out). */
    private static boolean absent(JsonNode n) {
        return n.isMissingNode() || n.isNull();
    }
}
