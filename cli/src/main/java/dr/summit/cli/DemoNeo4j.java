package dr.summit.cli;

import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.backup.Neo4jCatalogue;
import dr.summit.neo4j.restore.Neo4jRestore;
import dr.summit.neo4j.restore.RestorePlan;
import dr.summit.neo4j.source.CaptureClient;
import dr.summit.neo4j.source.GraphDigest;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.repository.Repository;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The demo's Neo4j round trip, against a scratch server the operator names (the harness is not in
 * the distribution: it is the whole server, GPL, and brings its own Bouncy Castle). Full backup,
 * demo writes, an incremental, a "mistake", another incremental, then a restore to the point before
 * the mistake — into the same database, which the demo therefore replaces (--force).
 */
final class DemoNeo4j {
    private final PrintWriter out;
    private final Neo4jConnection.Settings settings;

    DemoNeo4j(PrintWriter out, Neo4jConnection.Settings settings) {
        this.out = out;
        this.settings = settings;
    }

    /** @param step the number of the demo's first Neo4j step (the second is the next one) */
    boolean run(Repository repo, int step) throws InterruptedException {
        Neo4jBackup.Options options = new Neo4jBackup.Options(settings.database(), false, Duration.ofDays(7), true, "demo-host",
                System.getProperty("user.name"), "summit-dr " + Main.VERSION, List.of("demo"));
        try (Neo4jConnection conn = Neo4jConnection.open(settings)) {
            Neo4jBackup.Result full = new Neo4jBackup(repo, options).run(conn);
            out.printf("%d. Neo4j full backup %s: %d nodes, %d relationships (tx ..%d)%n", step, full.entry().snapshot().shortId(),
                    full.entry().nodes(), full.entry().relationships(), full.entry().toTx());
            write(conn, "UNWIND range(1, 100) AS i CREATE (:SummitDemo {i: i, at: datetime()})-[:NEXT]->(:SummitDemo {i: -i})");
            long good = new CaptureClient(conn).barrier();
            GraphDigest.Digest before = GraphDigest.of(conn);
            Neo4jBackup.Result inc = new Neo4jBackup(repo, options).run(conn);
            write(conn, "MATCH (n:SummitDemo) DETACH DELETE n");
            Neo4jBackup.Result mistake = new Neo4jBackup(repo, options).run(conn);
            out.printf("    200 demo nodes written (tx %d), incremental %s; then deleted (the mistake), incremental %s%n", good,
                    inc.entry().snapshot().shortId(), mistake.entry().snapshot().shortId());
            RestorePlan plan = RestorePlan.of(new Neo4jCatalogue(repo, settings.database()).chains(),
                    new RestorePlan.Target("latest", good, null, false));
            Neo4jRestore.Result r = new Neo4jRestore(repo).run(conn, plan, true);
            boolean ok = r.digest().equals(before);
            out.printf("%d. Neo4j restore --until-tx %d into %s: %s%n", step + 1, good, settings.uri(),
                    ok ? "digest equals the graph's before the mistake (" + r.digest() + ")" : "DIGEST DIFFERS: " + r.digest() + " vs " + before);
            return ok;
        }
    }

    private static void write(Neo4jConnection conn, String query) {
        try (var s = conn.session()) {
            s.executeWrite(tx -> tx.run(query, Map.of()).consume());
        }
    }
}
