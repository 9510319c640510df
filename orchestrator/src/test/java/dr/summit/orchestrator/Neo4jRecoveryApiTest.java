package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.neo4j.PluginJar;
import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.source.GraphDigest;
import dr.summit.neo4j.source.Neo4jConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POST /api/v1/recovery/neo4j and Neo4j drills through the real server, against ONE real Neo4j (harness,
 * the summit-dr plugin loaded from a plugins directory; 10–20 s to start, so once for the class). The
 * server's [[neo4j]] source and its drill-uri both point at that database: a restore replaces the graph
 * it was backed up from, which is exactly what "force" and the non-empty refusal are about, and the
 * digest after the restore must equal both the one the backup recorded and the source's before it.
 * (503 with no Neo4j source configured is OrchestratorApiTest's.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Neo4jRecoveryApiTest {
    @TempDir
    static Path dir;
    Neo4j neo4j;
    Neo4jConnection.Settings settings;
    LiveOrchestrator o;
    Neo4jBackup.Result full;
    Neo4jBackup.Result incremental;
    GraphDigest.Digest atFull;
    GraphDigest.Digest atIncremental;

    @BeforeAll
    void start() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.writeTo(plugins);
        System.setProperty("summit.dr.capture.dir", dir.resolve("capture").toString());
        neo4j = startHarness(dir.resolve("neo4j"), plugins);
        settings = new Neo4jConnection.Settings(neo4j.boltURI().toString(), "neo4j", null, "neo4j");
        o = LiveOrchestrator.start(dir.resolve("orch"));
        write("UNWIND range(1, 200) AS i CREATE (:Item {i: i, name: 'item ' + toString(i)})-[:IN {w: i * 0.5}]->(:Box {b: i % 7})");
        full = backup(true);
        atFull = digest();
        write("MATCH (n:Item) WHERE n.i <= 20 DETACH DELETE n");
        write("UNWIND range(1, 30) AS i CREATE (:Late {i: i, at: datetime()})");
        incremental = backup(false);
        atIncremental = digest();
        assertThat(atIncremental).isNotEqualTo(atFull);
        // The server as configured in production: the [[neo4j]] source, with the same database as drill target.
        o.server.close();
        o.orchestrator.close();
        o.startServer(o.orchestrator.config().withNeo4j(List.of(
                new OrchestratorConfig.Neo4jEntry("graph", settings.uri(), null, null, "neo4j", settings.uri()))));
    }

    /** A harness server that finds the plugin's ExtensionFactory as Neo4j's launcher would (plugins on the class path). */
    private static Neo4j startHarness(Path home, Path plugins) throws Exception {
        List<URL> jars = new ArrayList<>();
        try (var files = Files.list(plugins)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
                jars.add(p.toUri().toURL());
            }
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(jars.toArray(new URL[0]), previous)) {
            thread.setContextClassLoader(loader);
            return Neo4jBuilders.newInProcessBuilder(home).withDisabledServer()
                    .withConfig(GraphDatabaseSettings.udc_enabled, false)
                    .withConfig(GraphDatabaseSettings.auth_enabled, false)
                    .withConfig(GraphDatabaseSettings.plugin_dir, plugins)
                    .build();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (o != null) {
            o.close();
        }
        if (neo4j != null) {
            neo4j.close();
        }
    }

    private void write(String cypher) {
        try (Neo4jConnection c = Neo4jConnection.open(settings); var s = c.session()) {
            s.executeWrite(tx -> tx.run(cypher).consume());
        }
    }

    private Neo4jBackup.Result backup(boolean forceFull) throws InterruptedException {
        o.repo.loadIndex();
        try (Neo4jConnection c = Neo4jConnection.open(settings)) {
            return new Neo4jBackup(o.repo, new Neo4jBackup.Options("neo4j", forceFull, Duration.ofDays(7), true, "test-host", "tester",
                    "summit-dr test", List.of())).run(c);
        }
    }

    private GraphDigest.Digest digest() {
        try (Neo4jConnection c = Neo4jConnection.open(settings)) {
            return GraphDigest.of(c);
        }
    }

    @Test
    @Order(1)
    void listsNeo4jBackupsNewestFirst() throws Exception {
        LiveOrchestrator.Response r = o.get("/api/v1/backups?type=neo4j", o.viewer);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("total").asInt()).isEqualTo(2);
        JsonNode first = r.json().path("backups").get(0);
        assertThat(first.path("id").asText()).isEqualTo(incremental.entry().id());
        assertThat(first.path("type").asText()).isEqualTo("neo4j");
        assertThat(first.path("source").asText()).isEqualTo("graph");
        assertThat(first.path("tags").toString()).contains("neo4j-incremental");
        assertThat(r.json().path("backups").get(1).path("id").asText()).isEqualTo(full.entry().id());
    }

    @Test
    @Order(2)
    void dryRunGivesTheChainTxRangeAndBytes() throws Exception {
        LiveOrchestrator.Response r = o.post("/api/v1/recovery/neo4j", o.operator, "{\"backupId\":\"latest\",\"dryRun\":true}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode plan = r.json().path("plans").get(0);
        assertThat(plan.path("kind").asText()).isEqualTo("neo4j");
        assertThat(plan.path("backupId").asText()).isEqualTo(incremental.entry().id());
        assertThat(plan.path("walRange").asText()).isEqualTo("tx " + full.entry().toTx() + ".." + incremental.entry().toTx()
                + " (full " + full.entry().snapshot().shortId() + " + 1 incremental(s) to " + incremental.entry().snapshot().shortId() + ")");
        assertThat(plan.path("bytesToRead").asLong()).isPositive();
        assertThat(plan.path("recoversTo").asText()).isEqualTo(incremental.entry().toTime().toString());
        assertThat(plan.path("target").asText()).isEqualTo(settings.uri() + " database neo4j");

        // the seed's includeIncrementals: false = the full alone; a seed-style id prefix works too
        JsonNode fullOnly = o.post("/api/v1/recovery/neo4j", o.operator, "{\"backupId\":\"" + full.entry().id().substring(0, 8)
                + "\",\"includeIncrementals\":false,\"dryRun\":true}").json().path("plans").get(0);
        assertThat(fullOnly.path("backupId").asText()).isEqualTo(full.entry().id());
        assertThat(fullOnly.path("walRange").asText()).doesNotContain("incremental");
    }

    @Test
    @Order(3)
    void targetOutsideTheWindowIs422WithTheWindows() throws Exception {
        LiveOrchestrator.Response r = o.post("/api/v1/recovery/neo4j", o.operator, "{\"targetTime\":\"2001-01-01T00:00:00Z\",\"dryRun\":true}");
        assertThat(r.status()).as(r.body()).isEqualTo(422);
        assertThat(r.body()).contains("outside the recoverable window");
        JsonNode window = r.json().path("windows").get(0);
        assertThat(window.path("from").asText()).isEqualTo(full.entry().toTime().toString());
        assertThat(window.path("to").asText()).isEqualTo(incremental.entry().toTime().toString());

        LiveOrchestrator.Response tx = o.post("/api/v1/recovery/neo4j", o.operator,
                "{\"untilTx\":" + (incremental.entry().toTx() + 1000) + ",\"dryRun\":true}");
        assertThat(tx.status()).as(tx.body()).isEqualTo(422);
        assertThat(o.post("/api/v1/recovery/neo4j", o.operator, "{\"backupId\":\"abcdef99\",\"dryRun\":true}").status()).isEqualTo(404);
        assertThat(o.post("/api/v1/recovery/neo4j", o.admin, "{\"target\":\"/tmp/x\"}").status()).isEqualTo(400);
    }

    @Test
    @Order(4)
    void restoresIntoTheConfiguredDatabaseOnlyWithForceAndMatchesTheDigest() throws Exception {
        // the configured database holds the live graph: a plain recovery must refuse to touch it
        LiveOrchestrator.Response refused = o.post("/api/v1/recovery/neo4j", o.admin, "{\"backupId\":\"latest\"}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(202);
        JsonNode failed = o.awaitJob(refused.raw().headers().firstValue("Location").orElseThrow());
        assertThat(failed.path("state").asText()).isEqualTo("failed");
        assertThat(failed.path("error").asText()).contains("is not empty").contains("\"force\": true");
        assertThat(digest()).isEqualTo(atIncremental);

        // back to the full's end by transaction id, then forward to the latest point
        JsonNode toFull = runRecovery("{\"untilTx\":" + full.entry().toTx() + ",\"force\":true}");
        assertThat(toFull.path("checks").path("digestChecked").asBoolean()).isTrue();
        assertThat(toFull.path("checks").path("digest").asText()).isEqualTo(full.entry().digest());
        assertThat(digest()).isEqualTo(atFull);

        JsonNode latest = runRecovery("{\"backupId\":\"latest\",\"force\":true}");
        assertThat(latest.path("passed").asBoolean()).isTrue();
        assertThat(latest.path("checks").path("digest").asText()).isEqualTo(incremental.entry().digest()).isEqualTo(atIncremental.toString());
        assertThat(digest()).isEqualTo(atIncremental);
    }

    private JsonNode runRecovery(String body) throws Exception {
        LiveOrchestrator.Response r = o.post("/api/v1/recovery/neo4j", o.admin, body);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        JsonNode job = o.awaitJob(r.raw().headers().firstValue("Location").orElseThrow());
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
        return job.path("result").path("sources").get(0);
    }

    @Test
    @Order(5)
    void validationDrillRestoresIntoTheDrillUriAndComparesDigests() throws Exception {
        LiveOrchestrator.Response r = o.post("/api/v1/drills/run", o.operator, "{\"scenario\":\"backup-validation\",\"source\":\"neo4j\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        JsonNode job = o.awaitJob(r.raw().headers().firstValue("Location").orElseThrow());
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
        JsonNode source = job.path("result").path("sources").get(0);
        assertThat(source.path("source").asText()).isEqualTo("neo4j:graph");
        assertThat(source.path("passed").asBoolean()).isTrue();
        assertThat(source.path("checks").path("digestChecked").asBoolean()).isTrue();
        assertThat(source.path("checks").path("recordedDigest").asText()).isEqualTo(incremental.entry().digest());
        assertThat(source.path("rtoSeconds").asDouble()).isPositive();
    }

    @Test
    @Order(6)
    void backupsRunThroughTheApiAndOnTheHourlyScheduleWithTheCliBackupService() throws Exception {
        write("UNWIND range(1, 15) AS i CREATE (:Api {i: i})");
        LiveOrchestrator.Response r = o.post("/api/v1/backups", o.operator, "{\"type\":\"neo4j\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        JsonNode job = o.awaitJob(r.raw().headers().firstValue("Location").orElseThrow());
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("source").asText()).isEqualTo("neo4j:graph");
        assertThat(job.path("result").path("digest").asText()).isEqualTo(digest().toString());
        String made = job.path("result").path("snapshot").asText();
        assertThat(o.get("/api/v1/backups?type=neo4j", o.viewer).json().path("backups").get(0).path("id").asText()).isEqualTo(made);
        assertThat(o.post("/api/v1/backups", o.operator, "{\"source\":\"neo4j:nope\"}").status()).isEqualTo(400);

        // [[schedules]] backup of the Neo4j source, no cron: the seed's hourly default
        OrchestratorConfig scheduled = new OrchestratorConfig(null, null, null, o.orchestrator.config().files(), List.of(), List.of(),
                o.orchestrator.config().neo4j(), List.of(new OrchestratorConfig.ScheduleEntry(null, "backup", "neo4j:graph", null, null, null, null)));
        o.server.close();
        o.orchestrator.close();
        dr.summit.orchestrator.schedule.ManualClock clock = new dr.summit.orchestrator.schedule.ManualClock(java.time.Instant.parse("2026-03-02T10:30:00Z"));
        o.startServer(scheduled, clock);
        JsonNode schedule = o.get("/api/v1/recovery/status", o.viewer).json().path("schedules").get(0);
        assertThat(schedule.path("cron").asText()).isEqualTo("0 * * * *");
        assertThat(schedule.path("nextRun").asText()).isEqualTo("2026-03-02T11:00:00Z");
        write("UNWIND range(1, 5) AS i CREATE (:Hourly {i: i})");
        clock.set(java.time.Instant.parse("2026-03-02T11:00:00Z"));
        var fired = o.orchestrator.scheduler().tick();
        JsonNode hourly = o.awaitJob("/api/v1/jobs/" + fired.get("backup-neo4j-graph").job().id());
        assertThat(hourly.path("state").asText()).as(hourly.toString()).isEqualTo("succeeded");
        assertThat(hourly.path("result").path("type").asText()).isEqualTo("incremental");
        assertThat(hourly.path("result").path("digest").asText()).isEqualTo(digest().toString());
    }

    @Test
    @Order(7)
    void fullEveryFromTheConfigMakesTheServersNextBackupAFull() throws Exception {
        OrchestratorConfig.Neo4jEntry graph = o.orchestrator.config().neo4j().get(0);
        o.server.close();
        o.orchestrator.close();
        // The chain's full is older than a second by now: with fullEvery = "1s" the next backup starts a new chain.
        o.startServer(new OrchestratorConfig(null, null, null, o.orchestrator.config().files(), List.of(), List.of(),
                List.of(new OrchestratorConfig.Neo4jEntry(graph.name(), graph.uri(), graph.user(), graph.passwordFile(), graph.database(),
                        graph.drillUri(), "1s")), List.of()));
        Thread.sleep(1100);
        write("UNWIND range(1, 3) AS i CREATE (:Weekly {i: i})");
        JsonNode job = o.awaitJob(o.post("/api/v1/backups", o.operator, "{\"type\":\"neo4j\"}").raw().headers().firstValue("Location").orElseThrow());
        assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.path("result").path("type").asText()).isEqualTo("full");
        assertThat(job.path("result").path("fullReason").asText()).contains("is older than 1s");
    }
}
