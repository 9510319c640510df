package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster with 1 GiB WAL segments ({@code initdb --wal-segsize=1024}) archives through an agent
 * whose heap is 256 MiB, and the segment comes back through it byte for byte (issue 21, item 4:
 * WalArchive.push read the whole segment into one array and failed with OutOfMemoryError, so such
 * a cluster could not archive at all).
 */
class PgAgentLargeSegmentTest {
    private static final String FIRST = "000000010000000000000001";

    @Test
    void aClusterWithOneGibSegmentsArchivesThroughAnAgentWithA256MibHeap() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("bigwal")) {
            long started = System.nanoTime();
            Path data = ws.work.resolve("pgdata");
            Path socket = ws.work.resolve("agent.sock");
            Path opt = Files.createDirectories(ws.work.resolve("opt"));
            Files.copy(Path.of("..", "summit-dr").toAbsolutePath().normalize(), opt.resolve("summit-dr"));
            Files.copy(Path.of("..", "summit-dr-wal-push").toAbsolutePath().normalize(), opt.resolve("summit-dr-wal-push"));
            PgTestCluster.sh("chmod", "-R", "a+rX", opt.toString());
            PgTestCluster.sh("chmod", "755", ws.work.toString());
            String archiveCommand = opt.resolve("summit-dr-wal-push") + " %p --agent " + socket + " --cluster " + ws.cluster
                    + " --repo " + ws.repo + " --password-file /nonexistent";
            PgTestCluster primary = ws.track(PgTestCluster.create(data, archiveCommand, "--wal-segsize=1024"));
            primary.configure(List.of("max_wal_size = 4GB", "min_wal_size = 2GB", "wal_init_zero = off", "wal_recycle = off"));

            Process agent = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider",
                    "--add-opens", "java.base/sun.nio.fs=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dr.summit.cli.Main",
                    "agent", "--repo", ws.repo.toString(), "--password-file", ws.password.toString(), "--socket", socket.toString(),
                    "--cluster", ws.cluster, "--pgdata", data.toString(), "--allow-user", "postgres")
                    .redirectErrorStream(true).redirectOutput(ws.work.resolve("agent.log").toFile()).start();
            try {
                waitForSocket(socket, agent, ws.work.resolve("agent.log"));
                PgTestCluster.sh("chgrp", "postgres", socket.toString());
                primary.start();
                try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE t AS SELECT g, md5(g::text) FROM generate_series(1, 10000) g");
                    st.execute("SELECT pg_switch_wal()");
                    PgTestCluster.waitUntilArchived(st);
                    try (ResultSet rs = st.executeQuery("SELECT archived_count, failed_count, last_archived_wal FROM pg_stat_archiver")) {
                        rs.next();
                        assertThat(rs.getLong(2)).as("archive failures; agent log:\n%s", Files.readString(ws.work.resolve("agent.log"))).isZero();
                        assertThat(rs.getString(3)).isEqualTo(FIRST);
                    }
                }
                assertThat(agent.isAlive()).as("agent alive; log:\n%s", Files.readString(ws.work.resolve("agent.log"))).isTrue();
                String digest = digest(data.resolve("pg_wal").resolve(FIRST)); // complete and unchanged once archived
                assertThat(ws.repo.resolve("pg").resolve(ws.cluster).resolve("wal-parts").resolve(FIRST)).isDirectory();

                // Back through the agent, into the data directory's pg_wal, byte for byte.
                Path restored = data.resolve("pg_wal").resolve("RECOVERYXLOG");
                String status = httpGet(socket, "/wal-fetch?name=" + FIRST + "&path=" + LiveAgent.query(restored.toString()));
                assertThat(status).as("HTTP/1.0 request, answered by Jetty as HTTP/1.1 (RFC 9110 2.5)").matches("(?s)HTTP/1\\.[01] 200 .*");
                assertThat(Files.size(restored)).isEqualTo(1L << 30);
                assertThat(digest(restored)).isEqualTo(digest);
                Files.delete(restored);
                assertThat(agent.isAlive()).isTrue();
            } finally {
                agent.destroy();
                agent.waitFor();
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000;
            System.out.printf("1 GiB segment archived and fetched through a 256 MiB agent in %d s%n", seconds);
        }
    }

    private static void waitForSocket(Path socket, Process agent, Path log) throws Exception {
        for (int i = 0; i < 600 && agent.isAlive(); i++) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("agent did not listen on " + socket + ":\n" + Files.readString(log));
    }

    private static String httpGet(Path socket, String target) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(java.nio.ByteBuffer.wrap(("GET " + target + " HTTP/1.0\r\n\r\n").getBytes()));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes());
        }
    }

    private static String digest(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
