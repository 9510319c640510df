package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * archive_command through the resident agent: the launcher's curl fast path hands each segment to
 * the agent over its UNIX socket (no JVM per segment), PostgreSQL sees no archive failure, and every
 * segment is in the repository; recovery fetches them back through the agent too.
 */
class PgAgentTest {

    @Test
    void archiveCommandThroughTheAgentStartsNoJvmAndArchivesEverySegment() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("agent")) {
            Path data = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(data));
            ws.ok("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary));
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
            assertThat(httpGet(ws.socket(), "/status")).contains("\"failures\":0");
            assertThat(ws.ok("pg list", "--cluster", ws.cluster, "--json").json().get("walFiles").asInt()).isGreaterThanOrEqualTo(segments);
            primary.stop();

            // Recovery through the agent too: restore_command = launcher … --agent, which curls /wal-fetch;
            // the launcher copy has no jar, so a fallback to a JVM would fail the recovery. The agent
            // writes only into its own data directory's pg_wal: on a DR host it serves the restore target.
            ws.handToPostgres();
            Path restoredData = ws.work.resolve("restored");
            ws.restartAgent(restoredData);
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restoredData.toString(), "--agent", ws.socket().toString());
            PgTestCluster restored = ws.startRestored(restoredData, false);
            try (Connection c = restored.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM t")).isEqualTo(segments * 1000L);
            }
            assertThat(httpGet(ws.socket(), "/status")).containsPattern("\"fetched\":([1-9][0-9]+)").containsPattern("\"prefetchHits\":[1-9]");
        }
    }

    private static String httpGet(Path socket, String path) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(java.nio.ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes()));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes());
        }
    }
}
