package dr.summit.neo4j;

import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.backup.Neo4jCatalogue;
import dr.summit.neo4j.offline.AdminImport;
import dr.summit.neo4j.offline.OfflineImport;
import dr.summit.neo4j.restore.Neo4jRestore;
import dr.summit.neo4j.restore.RestorePlan;
import dr.summit.neo4j.source.CaptureClient;
import dr.summit.neo4j.source.GraphDigest;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.repository.Repository;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.Session;
import org.neo4j.driver.Values;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The offline restore through the real neo4j-admin: a Neo4j home whose bin/neo4j-admin runs
 * neo4j-admin's own entry point (org.neo4j.cli.AdminTool) on this test's class path, as the
 * installation's script runs it on lib/*. The imported database is then started by the harness
 * (a copy of the home's data/), the changes replayed over Bolt, and the result compared by digest
 * with the backup's recorded digest (full alone) and with the source at a transaction.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OfflineRestoreTest {
    @TempDir
    static Path dir;
    Neo4jHarness source;
    Repository repo;
    Neo4jBackup.Result full;
    long txA;
    GraphDigest.Digest atA;

    @BeforeAll
    void start() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.writeTo(plugins);
        System.setProperty("summit.dr.capture.dir", dir.resolve("capture").toString());
        source = Neo4jHarness.start(dir.resolve("source"), plugins, false);
        repo = Repository.init(new LocalDirectoryStore(dir.resolve("repo")), Neo4jBackupTest.PASSWORD, Neo4jBackupTest.FAST);
        seed();
        full = backup();
        assertThat(full.entry().full()).isTrue();
        assertThat(full.entry().digest()).as("a quiet full records its digest").isNotNull();
        // A: deletes, re-created ids, label and property changes, on imported entities and new ones.
        run("MATCH (n:Typed) WHERE n.l % 3 = 0 DETACH DELETE n");
        run("UNWIND range(1, 12) AS i CREATE (:Again {i: i, nl: 'new\\nline'})");
        run("MATCH (n:Typed) WHERE n.l % 2 = 0 REMOVE n:Typed SET n:Even, n.s = null, n.extra = [1, 2], n.empty = ['x']");
        run("MATCH (a:Again), (b:Even) WHERE a.i = b.l % 13 CREATE (a)-[:LINK {since: date('2026-01-01')}]->(b)");
        run("MATCH ()-[r:`NEXT, odd`]->() WITH r LIMIT 3 SET r.w = -1.5, r.nl = null");
        run("MATCH ()-[r:ALL]->() WITH r LIMIT 1 DELETE r");
        txA = horizon();
        atA = digest();
        // B: after the point.
        run("MATCH (n:Again) WHERE n.i > 6 DETACH DELETE n");
        run("MATCH (n:Even) SET n:Typed REMOVE n:Even");
        Neo4jBackup.Result inc = backup();
        assertThat(inc.entry().full()).isFalse();
        assertThat(inc.entry().toTx()).isGreaterThan(txA);
    }

    /** Every property type, and what neo4j-admin's CSV cannot say directly, on nodes and relationships. */
    private void seed() {
        for (int i = 0; i < 20; i++) {
            Map<String, Object> p = new HashMap<>(Neo4jBackupTest.everyType(i));
            p.put("mixed", i % 2 == 0 ? (Object) (long) i : "text " + i);   // one key, two types
            p.put("quoted", "say \"hi\", then; go");
            p.put("emptyString", "");
            p.put("nl", "line1\nline2");
            if (i % 4 == 0) {
                p.put("empty", List.of());
                p.put("oneEmpty", List.of(""));
                p.put("twoEmpty", List.of("", ""));
                p.put("delimited", List.of("a\u001Fb", "c"));
                p.put("cr", "a\r\nb");
                p.put("odd key: x", 1L);
                p.put("negDur", Values.isoDuration(-1, -2, -3, 5).asIsoDuration());
                p.put("posDur", Values.isoDuration(0, 0, -1, 500_000_000).asIsoDuration());
                p.put("farDate", LocalDate.of(10000, 1, 1));
            }
            run("CREATE (n:Typed:`Odd Label, \"x\"` $p)", Map.of("p", p));
        }
        run("MATCH (a:Typed), (b:Typed) WHERE a.l < b.l AND b.l - a.l < 3000000100 CREATE (a)-[:`NEXT, odd` {w: a.d, at: a.date, nl: 'x\\ny'}]->(b)");
        run("MATCH (a:Typed {l: 0}), (b:Typed) WHERE b.l > 0 AND b.l < 5000000000 CREATE (a)-[r:ALL]->(b) SET r = properties(b)");
        run("CREATE (:Lonely)");
    }

    @AfterAll
    void stop() {
        if (repo != null) {
            repo.close();
        }
        if (source != null) {
            source.close();
        }
    }

    private Neo4jBackup.Result backup() throws InterruptedException {
        try (Neo4jConnection c = source.connect()) {
            return new Neo4jBackup(repo, new Neo4jBackup.Options("neo4j", false, Duration.ofDays(7), true, "test", "test",
                    "summit-dr test", List.of())).run(c);
        }
    }

    private long horizon() {
        try (Neo4jConnection c = source.connect()) {
            return new CaptureClient(c).barrier();
        }
    }

    private GraphDigest.Digest digest() {
        try (Neo4jConnection c = source.connect()) {
            return GraphDigest.of(c);
        }
    }

    private void run(String query) {
        run(query, Map.of());
    }

    private void run(String query, Map<String, Object> params) {
        try (Neo4jConnection c = source.connect(); Session s = c.session()) {
            s.executeWrite(tx -> tx.run(query, params).consume());
        }
    }

    private RestorePlan plan(RestorePlan.Target t) {
        return RestorePlan.of(new Neo4jCatalogue(repo, "neo4j").chains(), t);
    }

    private static Path home(String name, String body) throws Exception {
        return AdminToolHome.withScript(dir.resolve(name), body);
    }

    /** neo4j-admin's real entry point on the test class path; a small off-heap budget (a shared test machine). */
    private static Path realHome(String name) throws Exception {
        return AdminToolHome.create(dir.resolve(name), "-Xmx512m", "--max-off-heap-memory=256m");
    }

    /** Imports offline into a fresh home, starts Neo4j on it, replays: the restored server's result. */
    private Neo4jRestore.Result offlineRestore(String name, RestorePlan plan) throws Exception {
        Path home = realHome(name);
        OfflineImport.Result imported = new OfflineImport(repo).run(plan, new AdminImport(home, "neo4j"), null, false);
        assertThat(imported.written().fixed()).as("entities with values neo4j-admin cannot carry: 5 nodes, 1 relationship").isEqualTo(6);
        assertThat(imported.written().multiline()).isTrue();
        assertThat(imported.written().nodeFiles().size()).as("groups by label set and signature").isGreaterThan(2);
        try (var left = Files.list(home)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("the CSV directory is removed").noneMatch(n -> n.startsWith("summit-dr-import-"));
        }
        try (Neo4jHarness target = Neo4jHarness.start(dir.resolve(name + "-server"), null, false, home);
             Neo4jConnection c = target.connect()) {
            Neo4jRestore.Result r = new Neo4jRestore(repo).resumeImported(c, plan, imported.tag());
            // Resumed once: the temporary label is gone, so a second resume refuses.
            assertThatThrownBy(() -> new Neo4jRestore(repo).resumeImported(c, plan, imported.tag()))
                    .isInstanceOf(Neo4jFailure.class).hasMessageContaining("is not the offline import " + imported.tag());
            return r;
        }
    }

    @Test
    @Order(1)
    void theFullAloneImportedOfflineHasTheDigestItsBackupRecorded() throws Exception {
        RestorePlan plan = plan(new RestorePlan.Target("latest", null, null, true));
        Neo4jRestore.Result r = offlineRestore("home-full", plan);
        assertThat(r.recordedDigest()).isEqualTo(full.entry().digest());
        assertThat(r.digest().toString()).isEqualTo(full.entry().digest());
        assertThat(r.digestMatches()).isTrue();
    }

    @Test
    @Order(2)
    void theFullImportedOfflineThenIncrementalsOverBoltEqualsTheSourceAtATransaction() throws Exception {
        Neo4jRestore.Result r = offlineRestore("home-tx", plan(new RestorePlan.Target("latest", txA, null, false)));
        assertThat(r.digest()).isEqualTo(atA);
        assertThat(r.changeRecords()).isPositive();
    }

    @Test
    @Order(3)
    void badInputIsOneClearLine() throws Exception {
        RestorePlan plan = plan(new RestorePlan.Target("latest", null, null, true));
        Path empty = dir.resolve("not-a-home");
        Files.createDirectories(empty);
        assertThatThrownBy(() -> new OfflineImport(repo).run(plan, new AdminImport(empty, "neo4j"), null, false))
                .isInstanceOf(Neo4jFailure.class).hasMessageContaining("no executable neo4j-admin at " + empty.resolve("bin/neo4j-admin"));

        // The first test's home holds the imported database: refused without --force, overwritten with it.
        Path used = dir.resolve("home-full");
        assertThatThrownBy(() -> new OfflineImport(repo).run(plan, new AdminImport(used, "neo4j"), null, false))
                .isInstanceOf(Neo4jFailure.class).hasMessageContaining("database 'neo4j' already exists in " + used.resolve("data/databases/neo4j"))
                .hasMessageContaining("--force");
        assertThat(new OfflineImport(repo).run(plan, new AdminImport(used, "neo4j"), dir.resolve("work"), true).written().nodes())
                .isEqualTo(full.entry().nodes());
        try (var left = Files.list(dir.resolve("work"))) {
            assertThat(left).as("--work-dir's CSV directory is removed").isEmpty();
        }

        // neo4j-admin fails: its own last error line, nothing left behind.
        Path failing = home("home-failing", "mkdir -p \"$NEO4J_HOME/data/databases/neo4j\"; echo 'Importing…'; "
                + "echo 'Caused by: java.io.IOException: No space left on device' >&2; exit 3");
        assertThatThrownBy(() -> new OfflineImport(repo).run(plan, new AdminImport(failing, "neo4j"), null, false))
                .isInstanceOf(Neo4jFailure.class)
                .hasMessageStartingWith("neo4j-admin database import failed (exit 3): java.io.IOException: No space left on device (full output in ");
        assertThat(failing.resolve("data/databases/neo4j")).doesNotExist();
        try (var left = Files.list(failing)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("summit-dr-import-"));
        }

        // A resume with another full's tag, or into a database that is not the import.
        try (Neo4jConnection c = source.connect()) {
            assertThatThrownBy(() -> new Neo4jRestore(repo).resumeImported(c, plan, "00000000abc"))
                    .isInstanceOf(Neo4jFailure.class).hasMessageContaining("was not made from full backup");
            String tag = OfflineImport.tagFor(plan);
            assertThatThrownBy(() -> new Neo4jRestore(repo).resumeImported(c, plan, tag))
                    .isInstanceOf(Neo4jFailure.class).hasMessageContaining("is not the offline import " + tag);
        }
    }

    /**
     * The CLI's --neo4j-home with --uri and --wait: the import is done, the server is not up yet;
     * Neo4jConnection.await retries until the operator has started Neo4j on the imported database
     * (here the harness, started on its Bolt port a few seconds later), then the changes are replayed.
     */
    @Test
    @Order(4)
    void anOfflineRestoreWaitsForTheServerStartedOnTheImportThenReplays() throws Exception {
        RestorePlan plan = plan(new RestorePlan.Target("latest", null, null, false));
        Path home = realHome("home-wait");
        OfflineImport.Result imported = new OfflineImport(repo).run(plan, new AdminImport(home, "neo4j"), null, false);
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Neo4jConnection.Settings settings = new Neo4jConnection.Settings("bolt://localhost:" + port, "neo4j", null, "neo4j");

        // Nothing listens yet: a short wait ends with the reason, after retrying.
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Neo4jConnection.await(settings, Duration.ofMillis(1500), Duration.ofMillis(300)))
                .isInstanceOf(Neo4jFailure.class).hasMessageStartingWith("cannot reach Neo4j at bolt://localhost:" + port);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("it retried for the wait").isGreaterThanOrEqualTo(Duration.ofMillis(1200));

        var server = new java.util.concurrent.CompletableFuture<Neo4jHarness>();
        Thread starter = new Thread(() -> {
            try {
                Thread.sleep(3000);
                server.complete(Neo4jHarness.start(dir.resolve("home-wait-server"), null, false, home, port));
            } catch (Throwable e) {
                server.completeExceptionally(e);
            }
        }, "operator starts Neo4j");
        long waitStart = System.nanoTime();
        starter.start();
        try (Neo4jConnection c = Neo4jConnection.await(settings, Duration.ofSeconds(90), Duration.ofMillis(500))) {
            assertThat(Duration.ofNanos(System.nanoTime() - waitStart)).as("connected once the server was up, not before")
                    .isGreaterThan(Duration.ofSeconds(3));
            Neo4jRestore.Result r = new Neo4jRestore(repo).resumeImported(c, plan, imported.tag());
            assertThat(r.changeRecords()).isPositive();
            assertThat(r.digest()).isEqualTo(digest());
            assertThat(r.digestMatches()).isNotEqualTo(Boolean.FALSE);
        } finally {
            starter.join();
            if (!server.isCompletedExceptionally()) {
                server.join().close();
            }
        }
    }
}
