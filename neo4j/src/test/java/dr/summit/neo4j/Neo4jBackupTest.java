package dr.summit.neo4j;

import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.backup.Neo4jCatalogue;
import dr.summit.neo4j.backup.Neo4jVerify;
import dr.summit.neo4j.restore.Neo4jRestore;
import dr.summit.neo4j.restore.RestorePlan;
import dr.summit.neo4j.source.CaptureClient;
import dr.summit.neo4j.source.GraphDigest;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
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
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Backups of a real Neo4j (harness, the plugin jar loaded from a plugins directory) restored into
 * a second real Neo4j, compared by digest with the source at the same point. Two servers for the
 * whole class: the source with the plugin, the target with a password and no plugin.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Neo4jBackupTest {
    static final Repository.InitOptions FAST = new Repository.InitOptions(
            new ChunkerParams(64 * 1024, 128 * 1024, 512 * 1024), 1024 * 1024, Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    static final char[] PASSWORD = "correct horse battery staple".toCharArray();

    @TempDir
    static Path dir;
    Neo4jHarness source;
    Neo4jHarness target;
    Repository repo;

    @BeforeAll
    void start() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.writeTo(plugins);
        System.setProperty("summit.dr.capture.dir", dir.resolve("capture").toString());
        // A feed buffer far smaller than the feeds below (hundreds of changes, out of order under
        // the concurrent writers): every backup's changes go through the spilled sort and must
        // still restore to the source's digest.
        System.setProperty(dr.summit.neo4j.stream.FeedSorter.BOUND_PROPERTY, "16");
        source = Neo4jHarness.start(dir.resolve("source"), plugins, false);
        target = Neo4jHarness.start(dir.resolve("target"), null, true);
        repo = Repository.init(new LocalDirectoryStore(dir.resolve("repo")), PASSWORD, FAST);
    }

    @AfterAll
    void stop() {
        System.clearProperty(dr.summit.neo4j.stream.FeedSorter.BOUND_PROPERTY);
        if (repo != null) {
            repo.close();
        }
        if (source != null) {
            source.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private Neo4jBackup.Result backup(boolean full) throws InterruptedException {
        try (Neo4jConnection c = source.connect()) {
            return new Neo4jBackup(repo, new Neo4jBackup.Options("neo4j", full, Duration.ofDays(7), true, "test", "test",
                    "summit-dr test", List.of())).run(c);
        }
    }

    private Neo4jRestore.Result restore(RestorePlan.Target t) {
        RestorePlan plan = RestorePlan.of(new Neo4jCatalogue(repo, "neo4j").chains(), t);
        try (Neo4jConnection c = target.connect()) {
            return new Neo4jRestore(repo).run(c, plan, true);
        }
    }

    private GraphDigest.Digest sourceDigest() {
        try (Neo4jConnection c = source.connect()) {
            return GraphDigest.of(c);
        }
    }

    private long horizon() {
        try (Neo4jConnection c = source.connect()) {
            return new CaptureClient(c).barrier();
        }
    }

    private void run(String query, Map<String, Object> params) {
        try (Neo4jConnection c = source.connect(); Session s = c.session()) {
            s.executeWrite(tx -> tx.run(query, params).consume());
        }
    }

    /** One node of every property type Neo4j stores. */
    static Map<String, Object> everyType(int i) {
        Map<String, Object> p = new HashMap<>();
        p.put("s", "name-" + i + " ünïcødé");
        p.put("b", i % 2 == 0);
        p.put("l", (long) i * 1_000_000_007L);
        p.put("d", i / 3.0);
        p.put("bytes", new byte[] {1, 2, (byte) i});
        p.put("strings", List.of("a", "b" + i));
        p.put("longs", List.of(1L, 2L, (long) i));
        p.put("doubles", List.of(0.5, 1.5));
        p.put("bools", List.of(true, false));
        p.put("date", LocalDate.of(2024, 2, 29).plusDays(i));
        p.put("ltime", LocalTime.of(13, 14, 15, 123456789));
        p.put("time", OffsetTime.of(1, 2, 3, 4, ZoneOffset.ofHours(5)));
        p.put("ldt", LocalDateTime.of(2020, 1, 1, 0, 0).plusSeconds(i));
        p.put("dt_zone", ZonedDateTime.of(2021, 3, 28, 1, 30, 0, 0, ZoneId.of("Europe/Paris")));
        p.put("dt_offset", ZonedDateTime.of(2021, 3, 28, 1, 30, 0, 0, ZoneOffset.ofHours(-3)));
        p.put("dur", Values.isoDuration(14, 3, 3600, 5).asIsoDuration());
        p.put("p2", Values.point(7203, 1.5, i).asPoint());
        p.put("p3", Values.point(4979, 12.1, 55.6, 10.0).asPoint());
        p.put("dates", List.of(LocalDate.of(2000, 1, 1), LocalDate.of(2001, 1, 1)));
        p.put("points", List.of(Values.point(4326, 1.0, 2.0).asPoint()));
        return p;
    }

    /**
     * The export's warm-up (ExportWarmUp) ran when the plugin started, on its own thread, ended
     * without error, and left no trace: the source's graph is empty and its capture log holds
     * no change (the first test: nothing has written before it).
     */
    @Test
    @Order(-3)
    void theExportWarmUpRanAtStartAndLeftNoTrace() throws Exception {
        assertThat(dr.summit.neo4j.plugin.ExportWarmUp.await(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(dr.summit.neo4j.plugin.ExportWarmUp.failure()).isNull();
        assertThat(dr.summit.neo4j.plugin.ExportWarmUp.millis()).isGreaterThanOrEqualTo(0);
        try (Neo4jConnection c = source.connect(); Session s = c.session()) {
            assertThat(s.run("MATCH (n) RETURN count(n) AS n").single().get("n").asLong()).isZero();
            assertThat(s.run("MATCH ()-[r]->() RETURN count(r) AS n").single().get("n").asLong()).isZero();
        }
        // the first test: nothing has written yet, so the capture log must be empty
        List<dr.summit.neo4j.stream.GraphChange> feed = new ArrayList<>();
        try (Neo4jConnection c = source.connect()) {
            CaptureClient capture = new CaptureClient(c);
            capture.changes(0, capture.barrier(), feed::add);
        }
        assertThat(feed).isEmpty();
    }

    /**
     * The plugin's in-process export (ExportEncoder, embedded-API values) writes what the agent's
     * codec writes for the driver's view of the same entities, for every property type, including
     * those only the embedded API can store (int, short, byte, float, char and their arrays): the
     * digest computed in the export's pass hashes the plugin's encoding of each value, the one read
     * over Bolt the agent's, so equal digests mean equal bytes; the records decode to the values the
     * driver returns.
     */
    @Test
    @Order(-1)
    void thePluginsExportEncodesEveryPropertyTypeAsTheAgentsCodec() throws Exception {
        for (int i = 0; i < 3; i++) {
            run("CREATE (n:Agree $p)-[:AGREES $p]->(:Agree:Other {i: $i})", Map.of("p", everyType(i), "i", i));
        }
        Map<String, Object> javaOnly = new HashMap<>();
        javaOnly.put("int", 7);
        javaOnly.put("short", (short) -3);
        javaOnly.put("byte", (byte) 9);
        javaOnly.put("float", 0.1f);
        javaOnly.put("char", 'x');
        javaOnly.put("ints", new int[] {1, -2});
        javaOnly.put("shorts", new short[] {3});
        javaOnly.put("floats", new float[] {1.5f, 0.1f});
        javaOnly.put("chars", new char[] {'a', 'ü'});
        javaOnly.put("longs", new long[] {Long.MIN_VALUE});
        javaOnly.put("doubles", new double[] {2.0, -0.5});
        javaOnly.put("wholeDouble", 2.0);
        javaOnly.put("times", new LocalTime[] {LocalTime.NOON});
        javaOnly.put("zoned", new ZonedDateTime[] {ZonedDateTime.of(2020, 1, 1, 0, 0, 0, 1, ZoneOffset.UTC)});
        try (var tx = source.neo4j.defaultDatabaseService().beginTx()) {
            var a = tx.createNode(org.neo4j.graphdb.Label.label("Agree"));
            var b = tx.createNode();
            javaOnly.forEach(a::setProperty);
            var r = a.createRelationshipTo(b, org.neo4j.graphdb.RelationshipType.withName("JAVA"));
            javaOnly.forEach(r::setProperty);
            tx.commit();
        }
        try (Neo4jConnection c = source.connect()) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            dr.summit.neo4j.source.GraphExport.Counts counts;
            try (var w = new dr.summit.neo4j.stream.ChangeStreamCodec.Writer(bytes)) {
                counts = dr.summit.neo4j.source.GraphExport.write(c, w, true);
            }
            assertThat(counts.nodes()).isEqualTo(8);
            assertThat(counts.relationships()).isEqualTo(4);
            assertThat(counts.digest()).isEqualTo(GraphDigest.of(c).toString());
            Map<Long, dr.summit.neo4j.stream.GraphChange> exported = new HashMap<>();
            try (var r = new dr.summit.neo4j.stream.ChangeStreamCodec.Reader(new java.io.ByteArrayInputStream(bytes.toByteArray()), "export")) {
                for (var ch = r.next(); ch != null; ch = r.next()) {
                    exported.put(ch.isRelationship() ? ~ch.id() : ch.id(), ch);
                }
            }
            assertThat(exported).hasSize(12);
            try (Session s = c.session()) {
                for (var rec : s.run("MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props").list()) {
                    var e = exported.get(rec.get("id").asLong());
                    assertThat(e.op()).isEqualTo(dr.summit.neo4j.stream.GraphChange.Op.CREATE_NODE);
                    assertThat(e.names()).containsExactlyInAnyOrderElementsOf(rec.get("labels").asList(org.neo4j.driver.Value::asString));
                    assertSameValues(e.props(), rec.get("props").asMap(org.neo4j.driver.Value::asObject));
                }
                for (var rec : s.run("MATCH (a)-[r]->(b) RETURN id(r) AS id, type(r) AS type, id(a) AS s, id(b) AS e, properties(r) AS props").list()) {
                    var e = exported.get(~rec.get("id").asLong());
                    assertThat(e.op()).isEqualTo(dr.summit.neo4j.stream.GraphChange.Op.CREATE_REL);
                    assertThat(e.names()).containsExactly(rec.get("type").asString());
                    assertThat(e.start()).isEqualTo(rec.get("s").asLong());
                    assertThat(e.end()).isEqualTo(rec.get("e").asLong());
                    assertSameValues(e.props(), rec.get("props").asMap(org.neo4j.driver.Value::asObject));
                }
            }
            // Widened as Bolt widens them, and an integer-valued double stays a double.
            var java = exported.values().stream().filter(e -> e.props().containsKey("short") && !e.isRelationship()).findFirst().orElseThrow();
            assertThat(java.props().get("int")).isEqualTo(7L);
            assertThat(java.props().get("float")).isEqualTo((double) 0.1f);
            assertThat(java.props().get("char")).isEqualTo("x");
            assertThat(java.props().get("ints")).isEqualTo(List.of(1L, -2L));
            assertThat(java.props().get("chars")).isEqualTo(List.of("a", "ü"));
            assertThat(java.props().get("wholeDouble")).isEqualTo(2.0);
            // The digest alone, as an incremental asks for it.
            assertThat(dr.summit.neo4j.source.GraphExport.digest(c)).isEqualTo(counts.digest());
        }
        run("MATCH (n:Agree) DETACH DELETE n", Map.of());
        run("MATCH (n) WHERE NOT (n)--() AND size(labels(n)) = 0 DELETE n", Map.of());
    }

    /**
     * The export read on several threads (the plugin's partitioned scans, rows merged in partition
     * order) is the same stream as read on one: the same bytes, every node before any relationship,
     * nodes and relationships each in id order, and the digest (partial sums of the threads) equal to
     * the one computed over Bolt. Small partitions, so every thread gets many, and holes in the ids.
     */
    @Test
    @Order(-2)
    void theExportOnSeveralThreadsIsTheSameStreamAsOnOne() throws Exception {
        run("UNWIND range(1, 3000) AS i CREATE (:Part {i: i, s: 'node ' + i, l: [i, i * 2]})", Map.of());
        run("MATCH (a:Part) WITH collect(a) AS ns UNWIND range(0, size(ns) - 1) AS k WITH ns[k] AS a, ns[(k * 7 + 1) % size(ns)] AS b, "
                + "ns[(k + 1) % size(ns)] AS c CREATE (a)-[:LINK {w: a.i * 0.5}]->(b), (a)-[:NEXT]->(c)", Map.of());
        run("MATCH (n:Part) WHERE n.i % 7 = 0 DETACH DELETE n", Map.of());
        try (Neo4jConnection c = source.connect(); Session s = c.session(4)) {
            String bolt = GraphDigest.of(c).toString();
            byte[] one = null;
            for (String call : List.of("CALL summit.export(true, 4096, true, 1, 100)", "CALL summit.export(true, 4096, true, 4, 100)",
                    "CALL summit.export(true, 4096, true, 3, 37)")) {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                long rows = 0;
                org.neo4j.driver.Record last = null;
                for (var rec : s.run(call).list()) {
                    bytes.write(rec.get("data").asByteArray());
                    last = rec;
                    rows++;
                }
                assertThat(rows).as(call).isGreaterThan(10);
                assertThat(last.get("digest").asString()).as(call).isEqualTo(bolt);
                assertThat(last.get("nodes").asLong()).isEqualTo(3000 - 428);
                if (one == null) {
                    one = bytes.toByteArray();
                } else {
                    // partitions are id ranges read in order: other sizes only cut the rows elsewhere
                    assertThat(bytes.toByteArray()).as(call + ": the same bytes as on one thread").isEqualTo(one);
                }
                // nodes first, each kind in id order: what the restore needs
                java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
                try (var w = new dr.summit.neo4j.stream.ChangeStreamCodec.Writer(stream)) {
                    w.writeEncoded(bytes.toByteArray(), 0);
                }
                long lastNode = -1, lastRel = -1, nodes = 0, rels = 0;
                try (var r = new dr.summit.neo4j.stream.ChangeStreamCodec.Reader(new java.io.ByteArrayInputStream(stream.toByteArray()), "export")) {
                    for (var ch = r.next(); ch != null; ch = r.next()) {
                        if (ch.isRelationship()) {
                            assertThat(ch.id()).isGreaterThan(lastRel);
                            lastRel = ch.id();
                            rels++;
                        } else {
                            assertThat(rels).as("a node after a relationship").isZero();
                            assertThat(ch.id()).isGreaterThan(lastNode);
                            lastNode = ch.id();
                            nodes++;
                        }
                    }
                }
                assertThat(nodes).isEqualTo(last.get("nodes").asLong());
                assertThat(rels).isEqualTo(last.get("relationships").asLong()).isPositive();
            }
            // a reader that stops early: the threads stop, and the next export is whole
            assertThat(s.run("CALL summit.export(true, 4096, true, 4, 100) YIELD data RETURN data LIMIT 1").list()).hasSize(1);
            // the digest alone (an incremental's), on several threads
            assertThat(s.run("CALL summit.export(true, 0, false, 4, 50)").single().get("digest").asString()).isEqualTo(bolt);
        }
        run("MATCH (n:Part) DETACH DELETE n", Map.of());
    }

    /** Same keys; each value encoded by the agent's codec to the same bytes. */
    private static void assertSameValues(Map<String, Object> exported, Map<String, Object> driver) throws Exception {
        assertThat(exported.keySet()).isEqualTo(driver.keySet());
        for (String k : driver.keySet()) {
            assertThat(encoded(exported.get(k))).as("property %s", k).isEqualTo(encoded(driver.get(k)));
        }
    }

    private static String encoded(Object v) throws Exception {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        dr.summit.neo4j.stream.ChangeStreamCodec.writeValue(new java.io.DataOutputStream(b), v);
        return java.util.HexFormat.of().formatHex(b.toByteArray());
    }

    /**
     * Runs first, against its own repository: a backup process killed with SIGKILL in the middle of
     * the export commits nothing, the repository verifies clean, and the next backup is complete.
     */
    @Test
    @Order(0)
    void aKilledBackupLeavesTheRepositoryValidAndTheNextBackupComplete() throws Exception {
        // Random text: the export does not compress away, so packs are written while it runs.
        run("UNWIND range(1, 30000) AS i CREATE (:Bulk {i: i, s: reduce(s = '', x IN range(1, 6) | s + randomUUID()), at: datetime()})", Map.of());
        Path killedRepo = dir.resolve("killed-repo");
        Repository.init(new LocalDirectoryStore(killedRepo), PASSWORD, FAST).close();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BackupChild.class.getName(), source.uri(), killedRepo.toString(),
                new String(PASSWORD)).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path data = killedRepo.resolve("data");
        long deadline = System.currentTimeMillis() + 60_000;
        while (packs(data) == 0 && child.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertThat(child.isAlive()).as("the backup was still running when killed; log: %s", Files.readString(dir.resolve("child.log"))).isTrue();
        assertThat(packs(data)).as("packs written before the kill").isPositive();
        child.destroyForcibly();   // SIGKILL
        assertThat(child.waitFor()).isEqualTo(137);
        try (Repository killed = Repository.open(new LocalDirectoryStore(killedRepo), PASSWORD)) {
            assertThat(killed.listSnapshots()).isEmpty();
            assertThat(new dr.summit.repository.maintenance.Verifier(killed, 2).verify(1.0).errors()).isEmpty();
            try (Neo4jConnection c = source.connect()) {
                Neo4jBackup.Result r = new Neo4jBackup(killed, new Neo4jBackup.Options("neo4j", false, Duration.ofDays(7), true, "t", "t", "t",
                        List.of())).run(c);
                assertThat(r.entry().full()).isTrue();
                assertThat(r.entry().nodes()).isEqualTo(30000);
                assertThat(r.fullReason()).contains("first backup");
                assertThat(r.entry().digest()).isEqualTo(GraphDigest.of(c).toString());
            }
            assertThat(new dr.summit.repository.maintenance.Verifier(killed, 2).verify(1.0).errors()).isEmpty();
        }
        run("MATCH (n:Bulk) DELETE n", Map.of());
    }

    private static long packs(Path data) throws java.io.IOException {
        if (!Files.isDirectory(data)) {
            return 0;
        }
        try (var files = Files.walk(data)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    @Order(1)
    void fullBackupDuringConcurrentWritesThenIncrementalRestoresTheSourceExactly() throws Exception {
        for (int i = 0; i < 50; i++) {
            run("CREATE (n:Seed:Typed $p)", Map.of("p", everyType(i)));
        }
        run("MATCH (a:Seed), (b:Seed) WHERE a.l < b.l AND b.l - a.l < 3000000100 CREATE (a)-[:NEXT {w: a.d, at: a.date}]->(b)", Map.of());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int w = 0; w < 4; w++) {
            int seed = w;
            Thread t = new Thread(() -> {
                Random rnd = new Random(seed);
                try (Neo4jConnection c = source.connect()) {
                    while (!stop.get()) {
                        try (Session s = c.session()) {
                            s.executeWrite(tx -> {
                                switch (rnd.nextInt(6)) {
                                    case 0 -> tx.run("CREATE (n:W {k: $k, t: datetime()})", Map.of("k", rnd.nextInt(1000))).consume();
                                    case 1 -> tx.run("MATCH (n:W) WITH n LIMIT 1 DETACH DELETE n").consume();
                                    case 2 -> tx.run("MATCH (n:W) WITH n ORDER BY rand() LIMIT 1 SET n.k = $k, n:Hot REMOVE n.t",
                                            Map.of("k", rnd.nextInt())).consume();
                                    case 3 -> tx.run("MATCH (a:W), (b:Seed) WITH a, b ORDER BY rand() LIMIT 1 CREATE (a)-[:TOUCHED {n: $n}]->(b)",
                                            Map.of("n", rnd.nextInt())).consume();
                                    case 4 -> tx.run("MATCH (n:Hot) WITH n LIMIT 1 REMOVE n:Hot SET n.cold = true").consume();
                                    default -> tx.run("MATCH ()-[r:TOUCHED]->() WITH r LIMIT 1 DELETE r").consume();
                                }
                                return null;
                            });
                            writes.incrementAndGet();
                        } catch (org.neo4j.driver.exceptions.ClientException e) {
                            // Two writers deleting the same entity: Neo4j fails the second (read committed).
                            if (!e.getMessage().startsWith("Unable to load")) {
                                throw e;
                            }
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            t.start();
            writers.add(t);
        }
        Thread.sleep(500);
        Neo4jBackup.Result full = backup(false);
        Thread.sleep(300);
        stop.set(true);
        for (Thread t : writers) {
            t.join();
        }
        assertThat(failures).isEmpty();
        assertThat(full.fullReason()).contains("first backup");
        assertThat(full.entry().full()).isTrue();
        assertThat(writes.get()).as("writes during the backup").isGreaterThan(20);

        Neo4jBackup.Result inc = backup(false);
        assertThat(inc.entry().full()).isFalse();
        assertThat(inc.entry().fromTx()).isEqualTo(full.entry().toTx());
        GraphDigest.Digest expected = sourceDigest();
        assertThat(inc.entry().digest()).isEqualTo(expected.toString());

        Neo4jRestore.Result r = restore(new RestorePlan.Target("latest", null, null, false));
        assertThat(r.digest()).isEqualTo(expected);
        assertThat(r.digestMatches()).isTrue();
    }

    @Test
    @Order(2)
    void restoreStopsAtATransactionOrATimeWithDeletesReusedIdsAndLabelChanges() throws Exception {
        backup(false);
        // A: re-created ids (delete then create reuses freed ids), label and property changes.
        run("MATCH (n:W) DETACH DELETE n", Map.of());
        run("UNWIND range(1, 30) AS i CREATE (n:Again {i: i})", Map.of());
        run("MATCH (n:Seed) WHERE n.l % 2 = 0 REMOVE n:Typed SET n:Even, n.s = null, n.extra = [1, 2]", Map.of());
        run("MATCH (a:Again), (b:Seed) WHERE a.i = b.l % 31 CREATE (a)-[:LINK {since: date()}]->(b)", Map.of());
        long txA = horizon();
        GraphDigest.Digest atA = sourceDigest();
        Thread.sleep(50);
        Instant timeA = Instant.now();
        Thread.sleep(50);
        // B: more of the same after the point.
        run("MATCH (n:Again) WHERE n.i > 10 DETACH DELETE n", Map.of());
        run("CREATE (:Later {x: 1})-[:R]->(:Later {x: 2})", Map.of());
        run("MATCH (n:Even) SET n:Typed REMOVE n:Even", Map.of());
        Neo4jBackup.Result inc = backup(false);
        GraphDigest.Digest atB = sourceDigest();
        assertThat(atB).isNotEqualTo(atA);
        assertThat(inc.entry().toTx()).isGreaterThan(txA);

        assertThat(restore(new RestorePlan.Target("latest", txA, null, false)).digest()).isEqualTo(atA);
        assertThat(restore(new RestorePlan.Target("latest", null, timeA, false)).digest()).isEqualTo(atA);
        Neo4jRestore.Result latest = restore(new RestorePlan.Target("latest", null, null, false));
        assertThat(latest.digest()).isEqualTo(atB);
        assertThat(latest.digestMatches()).isTrue();
    }

    @Test
    @Order(3)
    void badInputIsOneClearLine() {
        assertThatThrownBy(() -> Neo4jConnection.open(new Neo4jConnection.Settings("bolt://127.0.0.1:1", "neo4j", "x", "neo4j")))
                .isInstanceOf(Neo4jFailure.class).hasMessageContaining("cannot reach Neo4j at bolt://127.0.0.1:1");
        assertThatThrownBy(() -> Neo4jConnection.open(new Neo4jConnection.Settings(target.uri(), "neo4j", "wrong", "neo4j")))
                .isInstanceOf(Neo4jFailure.class).hasMessageContaining("refused the credentials");
        try (Neo4jConnection noPlugin = target.connect()) {
            assertThatThrownBy(() -> new Neo4jBackup(repo, new Neo4jBackup.Options("neo4j", false, Duration.ofDays(7), true, "h", "u", "p",
                    List.of())).run(noPlugin))
                    .isInstanceOf(Neo4jFailure.class).hasMessageContaining("summit-dr plugin is not installed")
                    .hasMessageContaining("summit-dr neo4j plugin --output");
            // the target holds the last restore: a second restore without --force refuses
            RestorePlan plan = RestorePlan.of(new Neo4jCatalogue(repo, "neo4j").chains(), new RestorePlan.Target("latest", null, null, false));
            assertThatThrownBy(() -> new Neo4jRestore(repo).run(noPlugin, plan, false))
                    .isInstanceOf(Neo4jFailure.class).hasMessageContaining("is not empty");
        }
        assertThatThrownBy(() -> RestorePlan.of(new Neo4jCatalogue(repo, "neo4j").chains(), new RestorePlan.Target("latest", 1L, null, false)))
                .isInstanceOf(Neo4jFailure.class).hasMessageContaining("tx 1 is outside the recoverable window: tx ");
    }

    @Test
    @Order(4)
    void aGapInTheChangeFeedMakesTheNextBackupFull() throws Exception {
        run("CREATE (:BeforeGap)", Map.of());
        Neo4jBackup.Result before = backup(false);
        assertThat(before.entry().full()).isFalse();
        // What a killed server leaves: a session without its end frame, followed by a new session.
        Path log = dir.resolve("capture").resolve("neo4j");
        long now = horizon();
        Files.write(log.resolve(String.format("session-%020d-1.log", now)), new byte[0]);
        Files.write(log.resolve(String.format("session-%020d-2.log", now + 1)), new byte[0]);
        run("CREATE (:AfterGap)", Map.of());
        Neo4jBackup.Result after = backup(false);
        assertThat(after.entry().full()).isTrue();
        assertThat(after.fullReason()).contains("gap in the change feed");
        Neo4jRestore.Result r = restore(new RestorePlan.Target("latest", null, null, false));
        assertThat(r.digest()).isEqualTo(sourceDigest());
    }

    /** A source restored by summit-dr while captured: its feed holds that restore's own writes. */
    @Test
    @Order(5)
    void aSourceThatWasItselfRestoredBacksUpAndRestoresExactly() throws Exception {
        RestorePlan plan = RestorePlan.of(new Neo4jCatalogue(repo, "neo4j").chains(), new RestorePlan.Target("latest", null, null, false));
        try (Neo4jConnection c = source.connect()) {
            new Neo4jRestore(repo).run(c, plan, true);
        }
        run("MATCH (n:AfterGap) SET n.restored = true", Map.of());
        Neo4jBackup.Result inc = backup(false);
        assertThat(inc.entry().full()).isFalse();
        Neo4jRestore.Result r = restore(new RestorePlan.Target("latest", null, null, false));
        assertThat(r.digest()).isEqualTo(sourceDigest());
        assertThat(r.digestMatches()).isTrue();
    }

    /** Token-only and schema-only transactions are not reported by the listener, and are no gap. */
    @Test
    @Order(6)
    void tokenAndSchemaOnlyTransactionsAreNoGapForTheBackupOrVerify() throws Exception {
        backup(false);
        run("CREATE INDEX summit_gapless IF NOT EXISTS FOR (n:Indexed) ON (n.k)", Map.of());
        run("CREATE CONSTRAINT summit_unique IF NOT EXISTS FOR (n:Keyed) REQUIRE n.key IS UNIQUE", Map.of());
        // New label, type and key tokens (their own transactions) for an entity that does not survive its transaction.
        run("CREATE (a:NeverSeen {neverKey: 1})-[:NEVER_TYPE]->(b:NeverSeen) DETACH DELETE a, b", Map.of());
        run("CREATE (:Indexed {k: 1})", Map.of());
        Neo4jBackup.Result inc = backup(false);
        assertThat(inc.fullReason()).isNull();
        assertThat(inc.entry().full()).isFalse();
        assertThat(inc.entry().transactions()).isEqualTo(1);
        assertThat(inc.entry().toTx() - inc.entry().fromTx()).as("schema and token transactions in the range").isGreaterThan(3);
        try (Neo4jConnection c = source.connect()) {
            Neo4jVerify.Report r = Neo4jVerify.run(repo, "neo4j", c);
            assertThat(r.problems()).isEmpty();
            assertThat(r.notes()).anyMatch(n -> n.contains("checked against Neo4j's transaction log for tx") && n.contains("(the whole chain)")
                    && n.contains("every data transaction was captured"));
        }
        Neo4jVerify.Report offline = Neo4jVerify.run(repo, "neo4j", null);
        assertThat(offline.ok()).isTrue();
        assertThat(offline.notes()).containsExactly("transaction log check skipped: give --uri (or set NEO4J_URI) to compare the backups "
                + "with Neo4j's own transaction log");
    }

    /**
     * A capture log that lost a transaction (its record made unreadable in the session file, as
     * damage would): a backup taken without the check (what agents before it did) stores a chain
     * with a gap, which verify finds in Neo4j's log; the next backup finds the next loss itself and
     * is a full.
     */
    @Test
    @Order(7)
    void aTransactionLostByTheCaptureIsAGapForVerifyAndTheNextBackup() throws Exception {
        backup(false);
        run("CREATE (:Lost {i: 1})", Map.of());
        long lost = horizon();
        run("CREATE (:Kept {i: 2})", Map.of());
        loseFromCaptureLog(lost);
        Neo4jBackup.Result unchecked;
        try (Neo4jConnection c = source.connect()) {
            unchecked = new Neo4jBackup(repo, new Neo4jBackup.Options("neo4j", false, Duration.ofDays(7), false, "test", "test",
                    "summit-dr test", List.of(), false)).run(c);
        }
        assertThat(unchecked.entry().full()).isFalse();
        assertThat(unchecked.entry().transactions()).isEqualTo(1);
        try (Neo4jConnection c = source.connect()) {
            Neo4jVerify.Report r = Neo4jVerify.run(repo, "neo4j", c);
            assertThat(r.ok()).isFalse();
            assertThat(r.problems()).singleElement().asString()
                    .contains("Neo4j's transaction log holds data transaction " + lost + " in tx ")
                    .contains("that backup " + unchecked.entry().snapshot().shortId() + " did not capture (gap)");
        }
        assertThat(Neo4jVerify.run(repo, "neo4j", null).ok()).as("the repository alone cannot see it").isTrue();

        run("CREATE (:LostToo {i: 3})", Map.of());
        long lostToo = horizon();
        run("MATCH (n:Kept) SET n.after = true", Map.of());
        loseFromCaptureLog(lostToo);
        Neo4jBackup.Result next = backup(false);
        assertThat(next.entry().full()).isTrue();
        assertThat(next.fullReason()).contains("gap in the change feed: Neo4j's transaction log holds data transaction " + lostToo
                + " that the capture log lacks").contains("the chain ends at tx " + unchecked.entry().toTx());
        Neo4jRestore.Result r = restore(new RestorePlan.Target("latest", null, null, false));
        assertThat(r.digest()).isEqualTo(sourceDigest());
    }

    /** Makes transaction {@code txId}'s record unreadable in the capture log (kind byte changed, checksum fixed). */
    private static void loseFromCaptureLog(long txId) throws Exception {
        // horizon() ran the barrier: the record is on disk.
        for (Path session : Files.list(dir.resolve("capture").resolve("neo4j")).filter(p -> p.getFileName().toString().startsWith("session-")).toList()) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(session, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                long pos = 0;
                long size = ch.size();
                while (pos + 4 <= size) {
                    java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(4);
                    ch.read(len, pos);
                    int length = len.flip().getInt();
                    if (length <= 0 || pos + 8 + length > size) {
                        break;
                    }
                    java.nio.ByteBuffer payload = java.nio.ByteBuffer.allocate(length);
                    ch.read(payload, pos + 4);
                    byte[] p = payload.array();
                    if (p[0] == 'T' && java.nio.ByteBuffer.wrap(p, 1, 8).getLong() == txId) {
                        p[0] = 'X';
                        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                        crc.update(p);
                        ch.write(java.nio.ByteBuffer.wrap(p, 0, 1), pos + 4);
                        ch.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip(), pos + 4 + length);
                        return;
                    }
                    pos += 8 + length;
                }
            }
        }
        throw new AssertionError("tx " + txId + " is not in the capture log");
    }
}
