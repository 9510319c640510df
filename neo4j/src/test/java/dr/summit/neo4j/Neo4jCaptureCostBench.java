package dr.summit.neo4j;

import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Transaction;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * bench/neo4j-capture-cost.sh: what the plugin's change capture costs the committing side, ONE
 * server per JVM (the script starts a JVM per configuration and alternates them: two servers in
 * one JVM warmed each other's JIT, and the second always won). In a fresh real Neo4j 5.26
 * (harness, in process), with or without the plugin (loaded from a plugins directory, capturing
 * every change), through the embedded API (no Bolt, no Cypher for the small transactions: the
 * capture's share of a commit is as large as it gets):
 * <ul>
 *   <li>small transactions: WRITERS threads, each transaction a single-node CREATE with two
 *       properties or a SET of two properties on one of 10,000 indexed nodes, committed and made
 *       durable by Neo4j (its transaction log forced at commit, its own group commit); SECONDS of
 *       warm-up, then SECONDS measured, several times (the rate of each period is printed: the
 *       warm-up is long enough when they agree);</li>
 *   <li>bulk load: BULK nodes with three properties in transactions of 10,000 (Cypher UNWIND), then a
 *       relationship from each to another; entities per second.</li>
 * </ul>
 */
public final class Neo4jCaptureCostBench {
    private static final Label THING = Label.label("Thing");
    private static final int SEED = 10_000;

    private Neo4jCaptureCostBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean plugin = Boolean.getBoolean("summit.bench.capture.plugin");
        int writers = Integer.getInteger("summit.bench.capture.writers", 8);
        int seconds = Integer.getInteger("summit.bench.capture.seconds", 10);
        int periods = Integer.getInteger("summit.bench.capture.periods", 3);
        int bulk = Integer.getInteger("summit.bench.capture.bulk", 200_000);
        String round = System.getProperty("summit.bench.capture.round", "0");
        Path work = Path.of(System.getProperty("summit.bench.neo4j.work", "/tmp/summit-bench/neo4j"));
        Path results = Path.of(System.getProperty("summit.bench.neo4j.results", "bench/results/neo4j-capture-cost.tsv"));
        Files.createDirectories(work);
        Path dir = Files.createTempDirectory(work, "capture-");
        Path plugins = dir.resolve("plugins");
        PluginJar.writeTo(plugins);
        System.setProperty("summit.dr.capture.dir", dir.resolve("capture").toString());
        String server = plugin ? "with-plugin" : "without-plugin";
        StringBuilder tsv = new StringBuilder();
        try {
            try (Neo4jHarness h = Neo4jHarness.start(dir.resolve("db"), plugin ? plugins : null, false)) {
                GraphDatabaseService g = h.neo4j.defaultDatabaseService();
                seed(g);
                run(g, writers, seconds);   // warm-up: JIT, page cache, Neo4j's pools
                for (int p = 0; p < periods; p++) {
                    long commits = run(g, writers, seconds);
                    row(tsv, server, round, "small-tx", "writers=" + writers + " period=" + p, commits, commits / (double) seconds);
                }
                long t = System.nanoTime();
                bulkLoad(g, bulk);
                double s = (System.nanoTime() - t) / 1e9;
                row(tsv, server, round, "bulk-load", bulk + " nodes + " + bulk + " rels, tx of 10000", 2L * bulk, 2L * bulk / s);
            }
        } finally {
            Files.createDirectories(results.toAbsolutePath().getParent());
            Files.writeString(results, tsv.toString(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void row(StringBuilder tsv, String server, String round, String load, String what, long count, double perSecond) {
        String line = String.join("\t", Instant.now().toString(), server, round, load, what, Long.toString(count),
                String.format(Locale.ROOT, "%.0f", perSecond));
        tsv.append(line).append('\n');
        System.out.println(line);
    }

    private static void seed(GraphDatabaseService g) {
        try (Transaction tx = g.beginTx()) {
            tx.execute("CREATE INDEX thing_id IF NOT EXISTS FOR (t:Thing) ON (t.id)").close();
            tx.commit();
        }
        try (Transaction tx = g.beginTx()) {
            tx.execute("CALL db.awaitIndexes(60)").close();
            tx.execute("UNWIND range(0, $n - 1) AS i CREATE (:Thing {id: i, n: 0})", Map.of("n", SEED)).close();
            tx.commit();
        }
    }

    /** Committed transactions of {@code writers} threads in {@code seconds}. */
    private static long run(GraphDatabaseService g, int writers, int seconds) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong commits = new AtomicLong();
        AtomicLong ids = new AtomicLong(SEED + 1_000_000_000L);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            Thread t = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long done = 0;
                while (!stop.get()) {
                    try (Transaction tx = g.beginTx()) {
                        if (random.nextBoolean()) {
                            var n = tx.createNode(THING);
                            n.setProperty("id", ids.getAndIncrement());
                            n.setProperty("name", "thing " + done);
                        } else {
                            var n = tx.findNode(THING, "id", (long) random.nextInt(SEED));
                            if (n != null) {
                                n.setProperty("n", done);
                                n.setProperty("at", System.nanoTime());
                            }
                        }
                        tx.commit();
                        done++;
                    }
                }
                commits.addAndGet(done);
            }, "writer-" + i);
            threads.add(t);
            t.start();
        }
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        return commits.get();
    }

    /** {@code n} nodes then a relationship from each, in transactions of 10,000. */
    private static void bulkLoad(GraphDatabaseService g, int n) {
        for (int from = 0; from < n; from += 10_000) {
            try (Transaction tx = g.beginTx()) {
                tx.execute("UNWIND range($from, $to - 1) AS i CREATE (:Bulk {i: i, name: 'bulk ' + i, at: i * 0.5})",
                        Map.of("from", from, "to", Math.min(n, from + 10_000))).close();
                tx.commit();
            }
        }
        try (Transaction tx = g.beginTx()) {
            tx.execute("CREATE INDEX bulk_i IF NOT EXISTS FOR (b:Bulk) ON (b.i)").close();
            tx.commit();
        }
        try (Transaction tx = g.beginTx()) {
            tx.execute("CALL db.awaitIndexes(300)").close();
        }
        for (int from = 0; from < n; from += 10_000) {
            try (Transaction tx = g.beginTx()) {
                tx.execute("UNWIND range($from, $to - 1) AS i MATCH (a:Bulk {i: i}), (b:Bulk {i: (i * 7 + 1) % $n}) CREATE (a)-[:NEXT {w: i}]->(b)",
                        Map.of("from", from, "to", Math.min(n, from + 10_000), "n", n)).close();
                tx.commit();
            }
        }
    }
}
