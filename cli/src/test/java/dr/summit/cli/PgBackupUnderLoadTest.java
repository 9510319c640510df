package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base backups of a real database: a second backup after a few changes stores a small fraction of
 * the first (page-aligned chunks deduplicate unchanged pages), a backup taken while pgbench writes
 * restores to a consistent database, a --latest restore reaches the primary's final state, and
 * expire keeps what the newest backup needs.
 */
class PgBackupUnderLoadTest {

    @Test
    void incrementalCostAndConsistencyUnderPgbench() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("load")) {
            Path data = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(data));
            String port = Integer.toString(primary.port);
            PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", port, "-i", "-s", "4",
                    "-q", "postgres");

            long first = newBytesOfBackup(ws, data, primary);
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                // A day's worth of change on a small hot range of the table.
                st.execute("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid <= 1000");
                st.execute("CHECKPOINT");
            }
            long second = newBytesOfBackup(ws, data, primary);
            assertThat(second).as("second backup adds %d of the first's %d bytes", second, first).isLessThan(first / 10);

            // A third backup while pgbench writes.
            Path log = ws.work.resolve("pgbench.log");
            Process load = new ProcessBuilder("runuser", "-u", "postgres", "--", PgTestCluster.BIN.resolve("pgbench").toString(),
                    "-h", "127.0.0.1", "-p", port, "-c", "2", "-T", "8", "postgres")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Thread.sleep(1000);
            ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary));
            assertThat(load.waitFor()).as(Files.readString(log)).isZero();
            long expectedSum;
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                expectedSum = PgTestCluster.scalar(st, "SELECT sum(abalance) FROM pgbench_accounts");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            Path target = ws.work.resolve("restored");
            ws.useJvmLauncher();
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", target.toString());
            PgTestCluster restored = ws.startRestored(target, false);
            try (Connection c = restored.connect(); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT count(*), sum(abalance) FROM pgbench_accounts")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(400_000);
                    assertThat(rs.getLong(2)).as("latest restore reaches the primary's final state").isEqualTo(expectedSum);
                }
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM pgbench_branches")).isEqualTo(4);
            }

            // Retention: keep the newest backup; WAL before its start goes, the rest stays recoverable.
            var expired = ws.ok("pg expire", "--cluster", ws.cluster, "--keep-full", "1", "--json").json();
            assertThat(expired.get("expired")).hasSize(2);
            assertThat(expired.get("walDeleted").asInt()).isPositive();
            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("backups")).hasSize(1);
            assertThat(ws.run("pg verify", "--cluster", ws.cluster).exit()).isZero();
            assertThat(ws.run("pg expire", "--cluster", ws.cluster).exit()).isEqualTo(ExitCodes.USAGE);
        }
    }

    private static long newBytesOfBackup(PgWorkspace ws, Path data, PgTestCluster primary) {
        return ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary), "--json")
                .json().get("summary").get("newBytes").asLong();
    }
}
