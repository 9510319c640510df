package dr.summit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Timelines: after a point-in-time restore and promotion the server runs on timeline 2 and keeps
 * archiving into the same cluster (history file included); a base backup taken there, and a
 * restore from it, work like on timeline 1.
 */
class PgTimelineTest {
    private Path work;
    private PgTestCluster primary;
    private PgTestCluster second;
    private java.util.function.Function<String, String> savedEnv;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(PgTestCluster.available(), "PostgreSQL 15 server binaries and root are needed");
        work = Files.createTempDirectory("summit-tl");
        savedEnv = RepositoryOptions.env;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (second != null) {
            second.close();
        }
        if (primary != null) {
            primary.close();
        }
        RepositoryOptions.env = savedEnv;
        if (work != null) {
            PgTestCluster.sh("rm", "-rf", work.toString());
        }
    }

    @Test
    void archivingAndRecoveryContinueOnTheNewTimeline() throws Exception {
        Path launcher = PgTestCluster.jvmLauncher(work);
        Path repo = work.resolve("repo");
        Path password = CliTestSupport.passwordFile(work.resolve("password"), "tl-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString(), password.toString());
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? launcher.toString() : savedEnv.apply(name);
        String archive = launcher + " pg wal-push %p --cluster tl --repo " + repo + " --password-file " + password;

        primary = PgTestCluster.create(work.resolve("pgdata"), archive);
        primary.start();
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (n int)");
            CliTestSupport.ok(repo, password, "pg backup", "--cluster", "tl", "--pgdata", primary.data.toString(),
                    "--dsn", "postgresql://postgres@127.0.0.1:" + primary.port + "/postgres");
            st.execute("INSERT INTO t VALUES (1), (2)");
            st.execute("SELECT pg_switch_wal()");
            PgTestCluster.waitUntilArchived(st);
        }
        primary.stop();

        // Restore to the end of timeline 1 and promote: the server moves to timeline 2.
        Path tl2 = work.resolve("tl2");
        CliTestSupport.ok(repo, password, "pg restore", "--cluster", "tl", "--pgdata", tl2.toString(), "--target-immediate",
                "--target-action", "promote");
        second = PgTestCluster.attach(tl2);
        second.start();
        try (Connection c = second.connect(); Statement st = c.createStatement()) {
            PgTestCluster.waitUntilPromoted(st);
            try (ResultSet rs = st.executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
            st.execute("INSERT INTO t VALUES (3)");
            CliTestSupport.ok(repo, password, "pg backup", "--cluster", "tl", "--pgdata", tl2.toString(),
                    "--dsn", "postgresql://postgres@127.0.0.1:" + second.port + "/postgres");
            st.execute("INSERT INTO t VALUES (4)");
            st.execute("SELECT pg_switch_wal()");
            PgTestCluster.waitUntilArchived(st);
        }
        second.stop();
        assertThat(repo.resolve("pg/tl/wal/00000002.history")).exists();

        // The newest backup is on timeline 2; a latest restore from it replays timeline 2's WAL.
        Path again = work.resolve("again");
        CliTestSupport.ok(repo, password, "pg restore", "--cluster", "tl", "--pgdata", again.toString());
        Files.writeString(again.resolve("postgresql.auto.conf"), "\narchive_mode = off\n", java.nio.file.StandardOpenOption.APPEND);
        try (PgTestCluster third = PgTestCluster.attach(again)) {
            third.start();
            try (Connection c = third.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                List<Integer> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT n FROM t ORDER BY n")) {
                    while (rs.next()) {
                        rows.add(rs.getInt(1));
                    }
                }
                assertThat(rows).as("server log:\n%s\narchive: %s", third.log(), listing(repo)).containsExactly(3, 4);
            }
        }
        var list = CliTestSupport.ok(repo, password, "pg list", "--cluster", "tl", "--json").json();
        assertThat(list.get("backups")).hasSize(2);
        assertThat(list.get("backups").get(1).get("attributes").get("pg.timeline").asText()).isEqualTo("2");
    }

    private static List<String> listing(Path repo) throws Exception {
        try (var s = Files.list(repo.resolve("pg/tl/wal"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
