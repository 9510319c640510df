package dr.summit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Base backups of a real database: a second backup after a few changes stores a small fraction of
 * the first (page-aligned chunks deduplicate unchanged pages), a backup taken while pgbench writes
 * restores to a consistent database, and a --latest restore reaches the primary's final state.
 */
class PgBackupUnderLoadTest {
    private Path work;
    private PgTestCluster primary;
    private PgTestCluster restored;
    private Thread agentThread;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(PgTestCluster.available(), "PostgreSQL 15 server binaries and root are needed");
        work = Files.createTempDirectory("summit-pgload");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (restored != null) {
            restored.close();
        }
        if (primary != null) {
            primary.close();
        }
        AgentCommand.stop.countDown();
        if (agentThread != null) {
            agentThread.join(10_000);
        }
        AgentCommand.stop = new CountDownLatch(1);
        if (work != null) {
            PgTestCluster.sh("rm", "-rf", work.toString());
        }
    }

    @Test
    void incrementalCostAndConsistencyUnderPgbench() throws Exception {
        Path repo = work.resolve("repo");
        Path password = CliTestSupport.passwordFile(work.resolve("password"), "load-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
        Path socket = work.resolve("agent.sock");
        Path data = work.resolve("pgdata");
        Path launcher = work.resolve("summit-dr");
        Files.copy(Path.of("..", "summit-dr").toAbsolutePath().normalize(), launcher);
        PgTestCluster.sh("chmod", "755", launcher.toString(), work.toString());
        agentThread = PgTestCluster.startAgent(repo, password, socket, "load", data);
        primary = PgTestCluster.create(data, launcher + " pg wal-push %p --agent " + socket + " --cluster load --repo " + repo
                + " --password-file /nonexistent");
        primary.start();
        String dsn = "postgresql://postgres@127.0.0.1:" + primary.port + "/postgres";
        PgTestCluster.asPostgres(PgTestCluster.BIN.resolve("pgbench").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(primary.port), "-i", "-s", "4", "-q", "postgres");

        long first = CliTestSupport.ok(repo, password, "pg backup", "--cluster", "load", "--pgdata", data.toString(),
                "--dsn", dsn, "--json").json().get("summary").get("newBytes").asLong();
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            // A day's worth of change on a small hot range of the table.
            st.execute("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid <= 1000");
            st.execute("CHECKPOINT");
        }
        long second = CliTestSupport.ok(repo, password, "pg backup", "--cluster", "load", "--pgdata", data.toString(),
                "--dsn", dsn, "--json").json().get("summary").get("newBytes").asLong();
        assertThat(second).as("second backup adds %d of the first's %d bytes", second, first).isLessThan(first / 10);

        // A third backup while pgbench writes.
        Process load = new ProcessBuilder("runuser", "-u", "postgres", "--", PgTestCluster.BIN.resolve("pgbench").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(primary.port), "-c", "2", "-T", "8", "postgres")
                .redirectErrorStream(true).redirectOutput(work.resolve("pgbench.log").toFile()).start();
        Thread.sleep(1000);
        CliTestSupport.ok(repo, password, "pg backup", "--cluster", "load", "--pgdata", data.toString(), "--dsn", dsn);
        assertThat(load.waitFor()).as(Files.readString(work.resolve("pgbench.log"))).isZero();
        long expectedSum;
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT sum(abalance) FROM pgbench_accounts")) {
                rs.next();
                expectedSum = rs.getLong(1);
            }
            st.execute("SELECT pg_switch_wal()");
            PgTestCluster.waitUntilArchived(st);
        }
        primary.stop();

        Path target = work.resolve("restored");
        Path jvmLauncher = PgTestCluster.jvmLauncher(work);
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString(), password.toString());
        java.util.function.Function<String, String> saved = RepositoryOptions.env;
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? jvmLauncher.toString() : saved.apply(name);
        try {
            CliTestSupport.ok(repo, password, "pg restore", "--cluster", "load", "--pgdata", target.toString());
        } finally {
            RepositoryOptions.env = saved;
        }
        // A drill must not archive into the production cluster's name.
        Files.writeString(target.resolve("postgresql.auto.conf"), "\narchive_mode = off\n", java.nio.file.StandardOpenOption.APPEND);
        restored = PgTestCluster.attach(target);
        restored.start();
        try (Connection c = restored.connect(); Statement st = c.createStatement()) {
            PgTestCluster.waitUntilPromoted(st);
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(abalance) FROM pgbench_accounts")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(400_000);
                assertThat(rs.getLong(2)).as("latest restore reaches the primary's final state").isEqualTo(expectedSum);
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pgbench_branches")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4);
            }
        }

        // Retention: keep the newest backup; WAL before its start goes, the rest stays recoverable.
        var expired = CliTestSupport.ok(repo, password, "pg expire", "--cluster", "load", "--keep-full", "1", "--json").json();
        assertThat(expired.get("expired")).hasSize(2);
        assertThat(expired.get("walDeleted").asInt()).isPositive();
        assertThat(CliTestSupport.ok(repo, password, "pg list", "--cluster", "load", "--json").json().get("backups")).hasSize(1);
        assertThat(CliTestSupport.run(repo, password, "pg verify", "--cluster", "load").exit()).isZero();
        assertThat(CliTestSupport.run(repo, password, "pg expire", "--cluster", "load").exit()).isEqualTo(ExitCodes.USAGE);
    }
}
