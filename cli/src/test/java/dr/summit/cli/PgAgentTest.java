package dr.summit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * archive_command through the resident agent: the launcher's curl fast path hands each segment to
 * the agent over its UNIX socket (no JVM per segment), PostgreSQL sees no archive failure, and every
 * segment is in the repository.
 */
class PgAgentTest {
    private Path work;
    private PgTestCluster primary;
    private Thread agentThread;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(PgTestCluster.available(), "PostgreSQL 15 server binaries and root are needed");
        work = Files.createTempDirectory("summit-agent");
    }

    @AfterEach
    void tearDown() throws Exception {
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
    void archiveCommandThroughTheAgentStartsNoJvmAndArchivesEverySegment() throws Exception {
        Path repo = work.resolve("repo");
        Path password = CliTestSupport.passwordFile(work.resolve("password"), "agent-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
        Path socket = work.resolve("agent.sock");
        Path data = work.resolve("pgdata");
        // The real launcher, copied where the postgres user can run it. With the agent up it never
        // needs its jar: the curl fast path answers before the build check.
        Path launcher = work.resolve("summit-dr");
        Files.copy(Path.of("..", "summit-dr").toAbsolutePath().normalize(), launcher);
        PgTestCluster.sh("chmod", "755", launcher.toString(), work.toString());

        agentThread = PgTestCluster.startAgent(repo, password, socket, "agent", data);

        String archive = launcher + " pg wal-push %p --agent " + socket + " --cluster agent --repo " + repo
                + " --password-file /nonexistent-so-a-jvm-fallback-would-fail";
        primary = PgTestCluster.create(data, archive);
        primary.start();
        CliTestSupport.ok(repo, password, "pg backup", "--cluster", "agent", "--pgdata", data.toString(),
                "--dsn", "postgresql://postgres@127.0.0.1:" + primary.port + "/postgres");
        long started = System.nanoTime();
        int segments = 12;
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (v text)");
            for (int i = 0; i < segments; i++) {
                st.execute("INSERT INTO t SELECT md5(g::text) FROM generate_series(1, 1000) g");
                st.execute("SELECT pg_switch_wal()");
            }
            PgTestCluster.waitUntilArchived(st);
            long millis = (System.nanoTime() - started) / 1_000_000;
            try (ResultSet rs = st.executeQuery("SELECT archived_count, failed_count FROM pg_stat_archiver")) {
                rs.next();
                assertThat(rs.getLong(2)).as("archive failures; server log:\n%s", primary.log()).isZero();
                assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(segments);
                System.out.printf("agent archived %d segments in %d ms%n", rs.getLong(1), millis);
            }
        }
        String status = httpGet(socket, "/status");
        assertThat(status).contains("\"failures\":0");
        CliTestSupport.Run list = CliTestSupport.ok(repo, password, "pg list", "--cluster", "agent", "--json");
        assertThat(list.json().get("walFiles").asInt()).isGreaterThanOrEqualTo(segments);
        primary.stop();

        // Recovery through the agent too: restore_command = launcher … --agent, which curls /wal-fetch;
        // the launcher copy has no jar, so a fallback to a JVM would fail the recovery.
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString(), password.toString());
        java.util.function.Function<String, String> saved = RepositoryOptions.env;
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? launcher.toString() : saved.apply(name);
        Path restoredData = work.resolve("restored");
        try {
            CliTestSupport.ok(repo, password, "pg restore", "--cluster", "agent", "--pgdata", restoredData.toString(),
                    "--agent", socket.toString());
        } finally {
            RepositoryOptions.env = saved;
        }
        Files.writeString(restoredData.resolve("postgresql.auto.conf"), "\narchive_mode = off\n", java.nio.file.StandardOpenOption.APPEND);
        try (PgTestCluster restored = PgTestCluster.attach(restoredData)) {
            restored.start();
            try (Connection c = restored.connect(); Statement st = c.createStatement()) {
                PgTestCluster.waitUntilPromoted(st);
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(segments * 1000L);
                }
            }
        }
        String after = httpGet(socket, "/status");
        assertThat(after).containsPattern("\"fetched\":([1-9][0-9]+)").containsPattern("\"prefetchHits\":[1-9]");
    }

    private static String httpGet(Path socket, String path) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(java.nio.ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes()));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes());
        }
    }
}
