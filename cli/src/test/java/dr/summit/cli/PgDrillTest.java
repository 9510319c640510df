package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A PostgreSQL DR drill for real (issue 17, item 4): the orchestrator restores a base backup plus
 * archived WAL of a real PostgreSQL 15 into a scratch directory, starts it as a throwaway instance,
 * waits for it to promote, runs amcheck on every B-tree index and counts every table; RTO and RPO are
 * measured and the report kept. Then pitr-random recovers to a random second inside the window.
 */
class PgDrillTest {

    @Test
    void backupValidationAndPitrRandomDrillsStartTheRestoredClusterAndCheckIt() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("drill")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (id int PRIMARY KEY, note text)");
                st.execute("INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 1000) g");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
                Thread.sleep(1100);
                st.execute("INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1001, 1500) g");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            Path launcher = ws.work.resolve("summit-dr");
            Path scratch = ws.work.resolve("scratch");
            Files.createDirectories(scratch);
            PgTestCluster.sh("chmod", "755", ws.work.toString());
            Path config = ws.work.resolve("orchestrator.toml");
            Files.writeString(config, "scratchDir = \"" + scratch + "\"\n"
                    + "[[files]]\nname = \"none\"\npath = \"/nonexistent\"\n"
                    + "[[postgres]]\nname = \"main\"\ncluster = \"" + ws.cluster + "\"\n"
                    + "restoreCommand = \"" + launcher + " pg wal-fetch %f %p --cluster " + ws.cluster + " --repo " + ws.repo
                    + " --password-file " + ws.password + "\"\n");

            CliTestSupport.Run drill = ws.ok("drill run", "--scenario", "backup-validation", "--source", "postgres",
                    "--config", config.toString(), "--json");
            var job = drill.json();
            assertThat(job.get("state").asText()).as(drill.toString()).isEqualTo("succeeded");
            var source = job.get("result").get("sources").get(0);
            assertThat(source.get("passed").asBoolean()).as(source.toString()).isTrue();
            assertThat(source.get("checks").get("rows").get("postgres.public.orders").asLong()).isEqualTo(1500);
            assertThat(source.get("checks").get("indexesChecked").asLong()).isPositive();
            assertThat(source.get("rtoSeconds").asDouble()).isPositive();
            System.out.printf("pg drill backup-validation: RTO %.3f s, RPO %.3f s%n", source.get("rtoSeconds").asDouble(),
                    source.get("rpoSeconds").asDouble());

            CliTestSupport.Run random = ws.ok("drill run", "--scenario", "pitr-random", "--source", "postgres:main",
                    "--config", config.toString(), "--json");
            var r = random.json().get("result").get("sources").get(0);
            assertThat(r.get("passed").asBoolean()).as(r.toString()).isTrue();
            long rows = r.get("checks").get("rows").get("postgres.public.orders").asLong();
            assertThat(rows).as("a point inside the window: after the backup's 1000 rows").isIn(1000L, 1500L);
            try (var left = Files.list(scratch)) {
                assertThat(left).as("scratch restores removed").isEmpty();
            }
        }
    }
}
