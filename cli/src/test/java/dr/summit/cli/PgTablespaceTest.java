package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Tablespaces live outside the data directory: a base backup carries their files too, and a
 * restore puts them back — into their original directory, or (--tablespace-map) elsewhere — with
 * pg_tblspc's links and tablespace_map pointing there, so the restored server reads the table.
 */
class PgTablespaceTest {

    @Test
    void tablespacesAreBackedUpAndRestoredToAnotherDirectory() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("ts")) {
            Path space = Files.createDirectories(ws.work.resolve("spaces").resolve("fast"));
            PgTestCluster.sh("chown", "-R", "postgres:postgres", space.getParent().toString());
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            String oid;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLESPACE fast LOCATION '" + space + "'");
                st.execute("CREATE TABLE t (n int, pad text) TABLESPACE fast");
                st.execute("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g");
                oid = Long.toString(PgTestCluster.scalar(st, "SELECT oid::int FROM pg_tablespace WHERE spcname = 'fast'"));
                var backup = ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary),
                        "--json").json();
                assertThat(backup.get("attributes").get("pg.tablespaces").asText()).isEqualTo(oid + " " + space + "\n");
                assertThat(backup.get("paths").toString()).contains(space.toString());
                st.execute("INSERT INTO t SELECT g, 'after' FROM generate_series(5001, 5100) g");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            // The original directory still holds the old cluster's files: restoring there is refused.
            Path restored = ws.work.resolve("restored");
            var refused = ws.run("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString());
            CliTestSupport.assertOneLineError(refused, ExitCodes.ERROR, "tablespace " + oid, "is not empty", "--tablespace-map");
            assertThat(restored).doesNotExist();

            Path moved = ws.work.resolve("spaces").resolve("moved");
            var plan = ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(),
                    "--tablespace-map", oid + "=" + moved, "--json").json();
            assertThat(plan.get("tablespaces").get(oid).asText()).isEqualTo(space.toString());
            assertThat(Files.readSymbolicLink(restored.resolve("pg_tblspc").resolve(oid))).isEqualTo(moved);
            assertThat(Files.readString(restored.resolve("tablespace_map"))).isEqualTo(oid + " " + moved + "\n");
            PgTestCluster again = ws.startRestored(restored, false);
            try (Connection c = again.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM t")).isEqualTo(5100L);
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM t WHERE pad = 'after'")).isEqualTo(100L);
                assertThat(PgTestCluster.scalar(st, "SELECT count(*)::int FROM pg_tablespace WHERE pg_tablespace_location(oid) = '"
                        + moved + "'")).isEqualTo(1L);
            }
            again.stop();
        }
    }
}
