package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.http.Router;
import dr.summit.orchestrator.api.Api;
import dr.summit.orchestrator.records.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The API against the real server, a real repository and real backed-up files. */
class OrchestratorApiTest {
    @TempDir
    Path dir;

    @Test
    void healthNeedsNoTokenEverythingElseATokenWithTheRightRole() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            LiveOrchestrator.Response health = o.get("/health", null);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asText()).isEqualTo("ok");
            assertThat(o.get("/api/v1/backups", null).status()).isEqualTo(401);
            assertThat(o.get("/api/v1/backups", "sdr_0123456789abcdef_" + "A".repeat(43)).status()).isEqualTo(401);
            assertThat(o.get("/api/v1/backups", o.viewer).status()).isEqualTo(200);
            LiveOrchestrator.Response denied = o.post("/api/v1/drills/run", o.viewer, "{\"scenario\":\"backup-validation\"}");
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.json().path("error").asText()).contains("role viewer").contains("needs operator");
            assertThat(o.post("/api/v1/recovery/full", o.operator, "{\"target\":\"" + dir.resolve("t") + "\"}").status())
                    .as("a real recovery needs admin").isEqualTo(403);
            assertThat(o.get("/api/v1/audit", o.operator).status()).isEqualTo(403);
            // revoked: refused at once
            o.orchestrator.tokens().revoke("victor");
            assertThat(o.get("/api/v1/backups", o.viewer).status()).isEqualTo(401);
        }
    }

    @Test
    void backupsListsTheRepositorysSnapshotsNewestFirstWithTypeAndLimit() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            JsonNode all = o.get("/api/v1/backups?type=full&limit=10", o.viewer).json();
            assertThat(all.path("total").asInt()).isEqualTo(2);
            JsonNode newest = all.path("backups").get(0);
            assertThat(newest.path("type").asText()).isEqualTo("files");
            assertThat(newest.path("files").asLong()).isEqualTo(3);
            assertThat(newest.path("time").asText()).isGreaterThanOrEqualTo(all.path("backups").get(1).path("time").asText());
            assertThat(o.get("/api/v1/backups?limit=1", o.viewer).json().path("backups").size()).isEqualTo(1);
            LiveOrchestrator.Response bad = o.get("/api/v1/backups?limit=0", o.viewer);
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("field").asText()).isEqualTo("limit");
            assertThat(o.get("/api/v1/backups?type=tape", o.viewer).json().path("field").asText()).isEqualTo("type");
            assertThat(o.get("/api/v1/backups?type=neo4j", o.viewer).status()).isEqualTo(503);
        }
    }

    @Test
    void theOpenApiDocumentListsExactlyTheRoutesTheServerServes() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            LiveOrchestrator.Response doc = o.get("/api/openapi.json", null);
            assertThat(doc.status()).isEqualTo(200);
            assertThat(doc.json().path("openapi").asText()).startsWith("3.");
            Set<String> documented = new HashSet<>();
            for (Iterator<String> paths = doc.json().path("paths").fieldNames(); paths.hasNext(); ) {
                String path = paths.next();
                doc.json().path("paths").path(path).fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + path));
            }
            Set<String> served = new HashSet<>();
            for (Router.Entry e : new Api(o.orchestrator).router().entries()) {
                served.add(e.method() + " " + e.template());
            }
            assertThat(documented).isEqualTo(served);
            // and each documented route really answers (not 404/405) on the running server
            for (String route : documented) {
                String[] mp = route.split(" ", 2);
                String path = mp[1].replace("{id}", "0000000000000000");
                int status = mp[0].equals("GET") ? o.get(path, o.admin).status() : o.post(path, o.admin, "{\"dryRun\":true}").status();
                assertThat(status).as(route).isNotIn(405).satisfiesAnyOf(s -> assertThat(s).isNotEqualTo(404),
                        s -> assertThat(path).contains("/jobs/"));
            }
            LiveOrchestrator.Response page = o.get("/api/docs", null);
            assertThat(page.body()).contains("<table").contains("/api/v1/recovery/postgres");
        }
    }

    @Test
    void badInputIsA400NamingTheFieldAndNeverAStackTrace() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            LiveOrchestrator.Response malformed = o.post("/api/v1/recovery/full", o.admin, "{\"dryRun\": tru");
            assertThat(malformed.status()).isEqualTo(400);
            assertThat(malformed.json().path("error").asText()).startsWith("malformed JSON at line 1");
            LiveOrchestrator.Response unknown = o.post("/api/v1/recovery/full", o.admin, "{\"dryRun\":true,\"bogus\":1}");
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.json().path("field").asText()).isEqualTo("bogus");
            LiveOrchestrator.Response wrongType = o.post("/api/v1/recovery/full", o.admin, "{\"dryRun\":\"maybe\"}");
            assertThat(wrongType.json().path("field").asText()).isEqualTo("dryRun");
            LiveOrchestrator.Response time = o.post("/api/v1/recovery/files", o.admin, "{\"dryRun\":true,\"targetTime\":\"yesterday\"}");
            assertThat(time.json().path("field").asText()).isEqualTo("targetTime");
            LiveOrchestrator.Response scenario = o.post("/api/v1/drills/run", o.operator, "{\"scenario\":\"chaos\"}");
            assertThat(scenario.json().path("field").asText()).isEqualTo("scenario");
            for (LiveOrchestrator.Response r : new LiveOrchestrator.Response[]{malformed, unknown, wrongType, time, scenario}) {
                assertThat(r.body()).doesNotContain("at dr.summit").doesNotContain("Exception");
            }
        }
    }

    @Test
    void aDryRunReturnsThePlanAndUnknownBackupsAndTimesOutsideTheWindowAre404And422() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            LiveOrchestrator.Response plan = o.post("/api/v1/recovery/files", o.operator, "{\"backupId\":\"latest\",\"dryRun\":true}");
            assertThat(plan.status()).isEqualTo(200);
            JsonNode p = plan.json().path("plans").get(0);
            assertThat(p.path("backupId").asText()).isEqualTo(o.get("/api/v1/backups", o.viewer).json().path("backups").get(0).path("id").asText());
            assertThat(p.path("bytesToRead").asLong()).isGreaterThan(300 * 1024);
            assertThat(p.path("estimatedSeconds").asLong()).isPositive();
            assertThat(o.post("/api/v1/recovery/files", o.operator, "{\"backupId\":\"summit-backup-disaster_recovery-latest\",\"dryRun\":true}")
                    .json().path("plans").get(0).path("backupId").asText()).isEqualTo(p.path("backupId").asText());
            assertThat(o.post("/api/v1/recovery/files", o.operator, "{\"backupId\":\"full-20001120T020000Z\",\"dryRun\":true}").status()).isEqualTo(404);
            assertThat(o.post("/api/v1/recovery/files", o.operator, "{\"backupId\":\"abcdef12\",\"dryRun\":true}").status()).isEqualTo(404);
            LiveOrchestrator.Response early = o.post("/api/v1/recovery/files", o.operator, "{\"targetTime\":\"2001-01-01T00:00:00Z\",\"dryRun\":true}");
            assertThat(early.status()).isEqualTo(422);
            assertThat(early.json().path("windows").get(0).path("from").asText()).isNotEmpty();
            LiveOrchestrator.Response neo = o.post("/api/v1/recovery/neo4j", o.admin, "{\"backupId\":\"full-20251120T020000Z\",\"includeIncrementals\":true,\"dryRun\":false}");
            assertThat(neo.status()).isEqualTo(503);
            assertThat(neo.json().path("error").asText()).isEqualTo("no Neo4j source configured");
            assertThat(o.post("/api/v1/recovery/postgres", o.admin, "{\"targetTime\":\"2025-11-20T14:00:00Z\"}").json().path("error").asText())
                    .isEqualTo("no PostgreSQL source configured");
            assertThat(Files.exists(dir.resolve("t"))).isFalse();
        }
    }

    @Test
    void aRecoveryIsAJobThatRestoresTheFilesAndAnIdempotentRetryReturnsTheSameJob() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            Path target = dir.resolve("restored");
            String body = "{\"backupId\":\"latest\",\"target\":\"" + target + "\"}";
            LiveOrchestrator.Response first = o.post("/api/v1/recovery/files", o.admin, body, "Idempotency-Key", "k-1");
            assertThat(first.status()).isEqualTo(202);
            String location = first.raw().headers().firstValue("Location").orElseThrow();
            assertThat(location).isEqualTo("/api/v1/jobs/" + first.json().path("id").asText());
            LiveOrchestrator.Response retry = o.post("/api/v1/recovery/files", o.admin, body, "Idempotency-Key", "k-1");
            assertThat(retry.json().path("id").asText()).isEqualTo(first.json().path("id").asText());
            JsonNode job = o.awaitJob(location);
            assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
            assertThat(job.path("started").asText()).isNotEmpty();
            assertThat(job.path("finished").asText()).isNotEmpty();
            Path restoredRoot;
            try (Stream<Path> s = Files.walk(target)) {
                restoredRoot = s.filter(f -> f.getFileName().toString().equals("b.txt")).findFirst().orElseThrow().getParent();
            }
            assertThat(Files.readString(restoredRoot.resolve("b.txt"))).isEqualTo("beta\n");
            assertThat(Files.readAllBytes(restoredRoot.resolve("sub/big.bin"))).isEqualTo(Files.readAllBytes(o.source.resolve("sub/big.bin")));
            // a restart (or a second server) sees the same job and its result: the repository holds it
            o.restart();
            JsonNode again = o.get(location, o.viewer).json();
            assertThat(again.path("state").asText()).isEqualTo("succeeded");
            assertThat(o.post("/api/v1/recovery/files", o.admin, body, "Idempotency-Key", "k-1").json().path("id").asText())
                    .isEqualTo(first.json().path("id").asText());
        }
    }

    @Test
    void aBackupValidationDrillRestoresVerifiesAndRecordsRtoAndRpo() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            LiveOrchestrator.Response dry = o.post("/api/v1/drills/run", o.operator, "{\"scenario\":\"backup-validation\",\"dryRun\":true}");
            assertThat(dry.status()).isEqualTo(200);
            LiveOrchestrator.Response run = o.post("/api/v1/drills/run", o.operator, "{\"scenario\":\"backup-validation\"}");
            assertThat(run.status()).isEqualTo(202);
            JsonNode job = o.awaitJob(run.raw().headers().firstValue("Location").orElseThrow());
            assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
            JsonNode result = job.path("result");
            assertThat(result.path("passed").asBoolean()).isTrue();
            assertThat(result.path("rtoSeconds").asDouble()).isPositive();
            assertThat(result.path("rpoSeconds").asDouble()).isGreaterThanOrEqualTo(0);
            JsonNode src = result.path("sources").get(0);
            assertThat(src.path("checks").path("verifiedFiles").asLong()).isEqualTo(3);
            assertThat(result.path("reportAt").asText()).startsWith("repository:orchestrator/drills/");
            try (Stream<Path> scratch = Files.list(dir.resolve("scratch"))) {
                assertThat(scratch).as("scratch restores removed").isEmpty();
            }
            assertThat(o.get("/metrics", null).body()).contains("dr_rto_actual_seconds{scenario=\"backup-validation\",source=\"files:docs\"}")
                    .contains("dr_rpo_actual_seconds{");
            assertThat(o.get("/api/v1/recovery/status", o.viewer).json().path("lastDrills").path("backup-validation").path("passed").asBoolean()).isTrue();
            o.restart();
            assertThat(o.get("/metrics", null).body()).as("rebuilt from the repository after a restart")
                    .contains("dr_rto_actual_seconds{scenario=\"backup-validation\",source=\"files:docs\"}")
                    .contains("summit_orchestrator_jobs{type=\"drill\",state=\"succeeded\"} 1");
        }
    }

    @Test
    void aDrillFailsLoudlyWhenTheBackupIsCorrupt() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            try (Stream<Path> packs = Files.walk(o.repoDir.resolve("data"))) {
                for (Path pack : packs.filter(Files::isRegularFile).toList()) {
                    byte[] bytes = Files.readAllBytes(pack);
                    bytes[bytes.length / 3] ^= 0x40; // inside the data, not the trailer
                    pack.toFile().setWritable(true);
                    Files.write(pack, bytes);
                }
            }
            LiveOrchestrator.Response run = o.post("/api/v1/drills/run", o.operator, "{\"scenario\":\"total-data-loss\"}");
            JsonNode job = o.awaitJob(run.raw().headers().firstValue("Location").orElseThrow());
            assertThat(job.path("state").asText()).isEqualTo("failed");
            assertThat(job.path("error").asText()).startsWith("drill total-data-loss failed: files:docs");
            assertThat(job.path("result").path("passed").asBoolean()).isFalse();
            assertThat(o.get("/metrics", null).body()).contains("dr_drill_passed{scenario=\"total-data-loss\",source=\"files:docs\"} 0");
        }
    }

    @Test
    void everyMutatingRequestIsInTheHashChainedAuditLog() throws Exception {
        try (LiveOrchestrator o = LiveOrchestrator.start(dir)) {
            o.post("/api/v1/drills/run", o.viewer, "{\"scenario\":\"backup-validation\"}");
            o.post("/api/v1/recovery/files", o.operator, "{\"dryRun\":true}");
            LiveOrchestrator.Response page = o.get("/api/v1/audit?limit=1", o.admin);
            assertThat(page.json().path("entries").size()).isEqualTo(1);
            assertThat(page.json().path("next").asText()).isEqualTo("/api/v1/audit?after=1&limit=1");
            JsonNode entries = o.get("/api/v1/audit", o.admin).json().path("entries");
            assertThat(entries.get(0).path("actor").asText()).isEqualTo("victor");
            assertThat(entries.get(0).path("result").asText()).startsWith("403");
            assertThat(entries.get(1).path("actor").asText()).isEqualTo("olga");
            assertThat(entries.get(1).path("action").asText()).isEqualTo("recovery.files");
            assertThat(entries.get(1).path("remote").asText()).isEqualTo("127.0.0.1");
            assertThat(entries.toString()).doesNotContain(o.operator.substring(21)).doesNotContain("sdr_");
            assertThat(o.orchestrator.audit().verify(null).intact()).isTrue();
        }
    }

    static JsonNode parse(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }
}
