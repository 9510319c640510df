package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A base backup whose WAL cannot be archived (archive_command failing) must not hang forever in
 * pg_backup_stop, and must not leave a snapshot that looks restorable.
 */
class PgArchiveFailureTest {

    @Test
    void aBackupWhoseWalIsNeverArchivedFailsAfterTheWaitAndWritesNoSnapshot() throws Exception {
        String saved = System.getProperty("summit.pg.archiveWaitSeconds");
        System.setProperty("summit.pg.archiveWaitSeconds", "3");
        try (PgWorkspace ws = PgWorkspace.create("broken")) {
            PgTestCluster primary = ws.startCluster("pgdata", "/bin/false");
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t AS SELECT generate_series(1, 1000) n");
            }
            long t0 = System.nanoTime();
            CliTestSupport.Run r = ws.run("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
            assertThat((System.nanoTime() - t0) / 1_000_000_000).as("gave up after the wait").isLessThan(60);
            CliTestSupport.assertOneLineError(r, ExitCodes.ERROR, "was not archived within 3 s", "archive_command is failing",
                    "pg_stat_archiver");
            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("backups")).isEmpty();
            primary.stop();
        } finally {
            if (saved == null) {
                System.clearProperty("summit.pg.archiveWaitSeconds");
            } else {
                System.setProperty("summit.pg.archiveWaitSeconds", saved);
            }
        }
    }
}
