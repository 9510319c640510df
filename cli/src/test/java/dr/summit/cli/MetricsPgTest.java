package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/** PostgreSQL metrics on a real cluster archiving through the agent: base backup, WAL archive lag in seconds and bytes. */
class MetricsPgTest {
    @Test
    void baseBackupAndWalLagReachTheTextfile() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("metrics")) {
            Path data = ws.work.resolve("pgdata");
            Path prom = ws.work.resolve("summit_dr.prom");
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(data));
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (n int)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary),
                        "--metrics-textfile", prom.toString());
                st.execute("INSERT INTO orders VALUES (1)");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            String afterBackup = Files.readString(prom);
            assertThat(MetricsCliTest.sample(afterBackup, "postgres_base_backup_duration_seconds{type=\"base\"}")).isBetween(0.0, 300.0);
            assertThat(MetricsCliTest.sample(afterBackup, "dr_backup_last_success_timestamp_seconds{source=\"postgres\"}"))
                    .isGreaterThan(System.currentTimeMillis() / 1000.0 - 600);
            assertThat(MetricsCliTest.sample(afterBackup, "backup_encryption_files_total{source=\"postgres\"}")).isGreaterThan(100);

            // The archive now replays the insert: the lag is the seconds since that commit.
            String fresh = ws.ok("metrics").out();
            assertThat(MetricsCliTest.sample(fresh, "dr_wal_archive_lag_seconds")).isBetween(0.0, 120.0);

            // The byte lag needs the primary: pg status writes it (exit 3 warns about the missing slot; the metric is written anyway).
            CliTestSupport.Run status = ws.run("pg status", "--cluster", ws.cluster, "--dsn", ws.dsn(primary), "--metrics-textfile", prom.toString());
            assertThat(status.exit()).as(status.toString()).isIn(ExitCodes.OK, ExitCodes.PARTIAL);
            String afterStatus = Files.readString(prom);
            assertThat(MetricsCliTest.sample(afterStatus, "dr_wal_archive_lag_bytes")).isBetween(0.0, 16.0 * 1024 * 1024);
            // what the base backup wrote is still there: the file merges
            assertThat(MetricsCliTest.sample(afterStatus, "postgres_base_backup_duration_seconds{type=\"base\"}"))
                    .isEqualTo(MetricsCliTest.sample(afterBackup, "postgres_base_backup_duration_seconds{type=\"base\"}"));
            primary.stop();
        }
    }
}
