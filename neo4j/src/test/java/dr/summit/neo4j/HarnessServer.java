package dr.summit.neo4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A scratch Neo4j with the plugin for trying the CLI by hand (bench/neo4j-cli-smoke.sh): args
 * WORK_DIR; seeds 1000 items in boxes, writes the Bolt URI to WORK_DIR/uri and runs until killed. No authentication.
 * With a second argument NEO4J_HOME: the server of an offline restore, started on that home's data/.
 */
public final class HarnessServer {
    private HarnessServer() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        if (args.length > 1) {
            // WORK_DIR NEO4J_HOME: a server on (a copy of) the database an offline restore imported, no plugin, no seed.
            Neo4jHarness h = Neo4jHarness.start(work.resolve("server"), null, false, Path.of(args[1]));
            Runtime.getRuntime().addShutdownHook(new Thread(h::close));
            Files.writeString(work.resolve("uri.tmp"), h.uri());
            Files.move(work.resolve("uri.tmp"), work.resolve("uri"));
            Thread.currentThread().join();
        }
        Path plugins = work.resolve("plugins");
        PluginJar.writeTo(plugins);
        System.setProperty("summit.dr.capture.dir", work.resolve("capture").toString());
        Neo4jHarness h = Neo4jHarness.start(work.resolve("server"), plugins, false);
        Runtime.getRuntime().addShutdownHook(new Thread(h::close));
        try (var c = h.connect(); var session = c.session()) {
            session.run("UNWIND range(1, 1000) AS i CREATE (:Item {i: i, name: 'item ' + toString(i), at: date('2026-01-01') + duration({days: i})})"
                    + "-[:IN {w: i * 0.5}]->(:Box {b: i % 10})").consume();
        }
        Files.writeString(work.resolve("uri.tmp"), h.uri());
        Files.move(work.resolve("uri.tmp"), work.resolve("uri"));
        Thread.currentThread().join();
    }
}
