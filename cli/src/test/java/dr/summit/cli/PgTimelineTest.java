package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timelines: after a point-in-time restore and promotion the server runs on timeline 2 and keeps
 * archiving into the same cluster (history file included); a base backup taken there, and a
 * restore from it, work like on timeline 1.
 */
class PgTimelineTest {

    @Test
    void archivingAndRecoveryContinueOnTheNewTimeline() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("tl")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t (n int)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", primary.data.toString(), "--dsn", ws.dsn(primary));
                st.execute("INSERT INTO t VALUES (1), (2)");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            // Restore to the end of the backup (before rows 1 and 2) and promote: timeline 2, still archiving.
            Path tl2 = ws.work.resolve("tl2");
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", tl2.toString(), "--target-immediate", "--target-action", "promote");
            PgTestCluster second = ws.startRestored(tl2, true);
            try (Connection c = second.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.scalar(st, "SELECT timeline_id FROM pg_control_checkpoint()")).isEqualTo(2);
                st.execute("INSERT INTO t VALUES (3)");
                ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", tl2.toString(), "--dsn", ws.dsn(second));
                st.execute("INSERT INTO t VALUES (4)");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            second.stop();
            assertThat(ws.repo.resolve("pg/tl/wal/00000002.history")).exists();

            // The newest backup is on timeline 2; a latest restore from it replays timeline 2's WAL.
            Path again = ws.work.resolve("again");
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", again.toString());
            PgTestCluster third = ws.startRestored(again, false);
            try (Connection c = third.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.ints(st, "SELECT n FROM t ORDER BY n"))
                        .as("server log:\n%s\narchive: %s", third.log(), listing(ws.repo)).containsExactly(3, 4);
            }
            var list = ws.ok("pg list", "--cluster", ws.cluster, "--json").json();
            assertThat(list.get("backups")).hasSize(2);
            assertThat(list.get("backups").get(1).get("attributes").get("pg.timeline").asText()).isEqualTo("2");
            // Timeline 2 branched off 1; recovery from the first backup follows it (the latest timeline).
            assertThat(list.get("timelines")).hasSize(2);
            assertThat(list.get("timelines").get(1).get("parent").asInt()).isEqualTo(1);
            assertThat(list.get("backups").get(0).get("recoverable").get("timelines").toString()).isEqualTo("[1,2]");
            assertThat(list.get("backups").get(0).get("recoverable").get("lastSegment").asText()).startsWith("00000002");
            assertThat(list.get("backups").get(1).get("recoverable").get("timelines").toString()).isEqualTo("[2]");
        }
    }

    private static List<String> listing(Path repo) throws Exception {
        try (var s = Files.list(repo.resolve("pg/tl/wal"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
