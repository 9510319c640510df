package dr.summit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Point-in-time recovery against a real PostgreSQL 15: the server archives WAL through
 * 'summit-dr pg wal-push' (a real process per segment, run by the server as the postgres user), a
 * base backup is taken while rows are committed, and a restore to a time between two commits
 * recovers exactly the rows committed before it.
 */
class PgPitrTest {
    private Path work;
    private PgTestCluster primary;
    private PgTestCluster restored;
    private java.util.function.Function<String, String> savedEnv;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(PgTestCluster.available(), "PostgreSQL 15 server binaries and root are needed");
        work = Files.createTempDirectory("summit-pg");
        savedEnv = RepositoryOptions.env;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (restored != null) {
            restored.close();
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
    void restoreToATimeBetweenTwoCommitsRecoversExactlyTheEarlierRows() throws Exception {
        Path launcher = PgTestCluster.jvmLauncher(work);
        Path repo = work.resolve("repo");
        Path password = CliTestSupport.passwordFile(work.resolve("password"), "pg-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString(), password.toString());
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? launcher.toString() : savedEnv.apply(name);

        String archive = launcher + " pg wal-push %p --cluster test --repo " + repo + " --password-file " + password;
        primary = PgTestCluster.create(work.resolve("pgdata"), archive);
        primary.start();
        List<Instant> commits = new ArrayList<>();
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE events (n int PRIMARY KEY, at timestamptz)");
            for (int n = 1; n <= 3; n++) {
                commits.add(insert(st, n));
            }
            st.execute("CREATE TABLE filler AS SELECT g, md5(g::text) AS h FROM generate_series(1, 50000) g");

            CliTestSupport.Run backup = CliTestSupport.ok(repo, password, "pg backup", "--cluster", "test", "--pgdata",
                    primary.data.toString(), "--dsn", "postgresql://postgres@127.0.0.1:" + primary.port + "/postgres");
            assertThat(backup.out()).contains("base backup");

            for (int n = 4; n <= 8; n++) {
                Thread.sleep(1100);
                commits.add(insert(st, n));
            }
            st.execute("SELECT pg_switch_wal()");
            PgTestCluster.waitUntilArchived(st);
        }
        primary.stop();

        // Halfway between the commits of rows 6 and 7.
        Instant target = commits.get(5).plusMillis((commits.get(6).toEpochMilli() - commits.get(5).toEpochMilli()) / 2);
        Path restoredData = work.resolve("restored");
        // --start: the restored server (same port as the stopped primary) replays WAL and promotes.
        CliTestSupport.Run restore = CliTestSupport.ok(repo, password, "pg restore", "--cluster", "test", "--pgdata",
                restoredData.toString(), "--target-time", target.toString(), "--target-action", "promote", "--start");
        assertThat(restore.out()).contains("recovery_target_time").contains("recovery promoted");
        restored = PgTestCluster.alreadyRunning(restoredData, primary.port);
        try (Connection c = restored.connect(); Statement st = c.createStatement()) {
            PgTestCluster.waitUntilPromoted(st);
            List<Integer> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT n FROM events ORDER BY n")) {
                while (rs.next()) {
                    rows.add(rs.getInt(1));
                }
            }
            assertThat(rows).as("rows committed before %s; server log:\n%s", target, restored.log())
                    .containsExactly(1, 2, 3, 4, 5, 6);
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM filler")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(50000);
            }
        }
        CliTestSupport.Run list = CliTestSupport.ok(repo, password, "pg list", "--cluster", "test", "--json");
        assertThat(list.json().get("backups")).hasSize(1);
        assertThat(list.json().get("walFiles").asInt()).isGreaterThan(1);
    }

    @Test
    void restoreToANamedRestorePointOrAnLsnStopsExactlyThere() throws Exception {
        Path launcher = PgTestCluster.jvmLauncher(work);
        Path repo = work.resolve("repo");
        Path password = CliTestSupport.passwordFile(work.resolve("password"), "pg-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString(), password.toString());
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? launcher.toString() : savedEnv.apply(name);
        String archive = launcher + " pg wal-push %p --cluster lsn --repo " + repo + " --password-file " + password;
        primary = PgTestCluster.create(work.resolve("pgdata"), archive);
        primary.start();
        String lsnAfterRow2;
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE events (n int PRIMARY KEY, at timestamptz)");
            CliTestSupport.ok(repo, password, "pg backup", "--cluster", "lsn", "--pgdata", primary.data.toString(),
                    "--dsn", "postgresql://postgres@127.0.0.1:" + primary.port + "/postgres");
            insert(st, 1);
            insert(st, 2);
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
                rs.next();
                lsnAfterRow2 = rs.getString(1);
            }
            insert(st, 3);
            st.execute("SELECT pg_create_restore_point('before_row_4')");
            insert(st, 4);
            st.execute("SELECT pg_switch_wal()");
            PgTestCluster.waitUntilArchived(st);
        }
        primary.stop();

        assertThat(restoreAndCount(repo, password, "--target-name", "before_row_4")).containsExactly(1, 2, 3);
        assertThat(restoreAndCount(repo, password, "--target-lsn", lsnAfterRow2)).containsExactly(1, 2);
        assertThat(CliTestSupport.run(repo, password, "pg verify", "--cluster", "lsn").exit()).isZero();

        // A target the archive cannot reach: --start reports the server's reason in one line.
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString());
        CliTestSupport.Run unreachable = CliTestSupport.run(repo, password, "pg restore", "--cluster", "lsn", "--pgdata",
                work.resolve("unreachable").toString(), "--target-xid", "99999999", "--target-action", "promote", "--start",
                "--timeout", "60");
        CliTestSupport.assertOneLineError(unreachable, 1, "recovery ended before configured recovery target was reached");

        // A hole in the archive is named by pg verify, and a --latest restore refuses to stop there silently.
        List<String> segments = new ArrayList<>();
        try (var s = Files.list(repo.resolve("pg/lsn/wal"))) {
            // Timeline 1 only: the restored servers promoted to timeline 2 and archive there too.
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches("00000001[0-9A-F]{16}")).sorted().forEach(segments::add);
        }
        assertThat(segments.size()).isGreaterThanOrEqualTo(2);
        String hole = segments.get(segments.size() - 2);
        Files.delete(repo.resolve("pg/lsn/wal").resolve(hole));
        CliTestSupport.Run verify = CliTestSupport.run(repo, password, "pg verify", "--cluster", "lsn");
        assertThat(verify.exit()).isEqualTo(1);
        assertThat(verify.out()).contains("MISSING " + hole);
        CliTestSupport.Run latest = CliTestSupport.run(repo, password, "pg restore", "--cluster", "lsn", "--pgdata",
                work.resolve("never").toString());
        CliTestSupport.assertOneLineError(latest, 1, "WAL segment " + hole + " is missing");
        assertThat(work.resolve("never")).doesNotExist();
    }

    private List<Integer> restoreAndCount(Path repo, Path password, String option, String value) throws Exception {
        Path data = work.resolve("restored-" + option.substring(2));
        CliTestSupport.ok(repo, password, "pg restore", "--cluster", "lsn", "--pgdata", data.toString(), option, value,
                "--target-action", "promote");
        try (PgTestCluster cluster = PgTestCluster.attach(data)) {
            cluster.start();
            try (Connection c = cluster.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                List<Integer> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT n FROM events ORDER BY n")) {
                    while (rs.next()) {
                        rows.add(rs.getInt(1));
                    }
                }
                return rows;
            }
        }
    }

    private static Instant insert(Statement st, int n) throws Exception {
        st.execute("INSERT INTO events VALUES (" + n + ", clock_timestamp())");
        try (ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

}
