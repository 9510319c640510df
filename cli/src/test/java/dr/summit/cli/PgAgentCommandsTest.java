package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 'pg backup' and 'pg restore' run inside the resident agent (--agent SOCKET): the client names a
 * password file that does not exist, so the in-process path would fail and success proves the agent
 * did the work with its own open repository. Requests for another repository, cluster or data
 * directory, or into a non-empty target, are refused with 4xx and one line; an agent that cannot
 * be reached means in-process, after one line on stderr.
 */
class PgAgentCommandsTest {

    @Test
    void backupAndRestoreRunInsideTheAgentAndRefuseWhatItDoesNotServe() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("agentcmd")) {
            Path data = ws.work.resolve("pgdata");
            PgTestCluster primary = ws.startCluster("pgdata", ws.agentArchiveCommand(data, false, "--accept-commands"));
            String socket = ws.socket().toString();
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g");
            }

            CliTestSupport.Run backup = viaAgent(ws, "pg backup", "--pgdata", data.toString(), "--dsn", ws.dsn(primary), "--json");
            assertThat(backup.exit()).as(backup.toString()).isZero();
            assertThat(backup.err()).doesNotContain("in-process");
            assertThat(backup.json().get("id").asText()).hasSize(64);
            assertThat(backup.json().get("walDelta").has("used")).isTrue();

            // Refused before any work: another cluster, another repository, another data directory, a non-empty target.
            CliTestSupport.assertOneLineError(viaAgent(ws, "pg backup", "--pgdata", data.toString(), "--dsn", ws.dsn(primary),
                    "--cluster", "other"), ExitCodes.ERROR, "refused", "cluster 'other'");
            CliTestSupport.assertOneLineError(CliTestSupport.run("pg", "backup", "--repo", ws.work.resolve("elsewhere").toString(),
                    "--password-file", "/nonexistent", "--cluster", ws.cluster, "--agent", socket, "--pgdata", data.toString(),
                    "--dsn", ws.dsn(primary)), ExitCodes.ERROR, "refused", "repository");
            CliTestSupport.assertOneLineError(viaAgent(ws, "pg restore", "--pgdata", ws.work.resolve("elsewhere").toString()),
                    ExitCodes.ERROR, "refused", "data directory");
            CliTestSupport.assertOneLineError(viaAgent(ws, "pg restore", "--pgdata", data.toString()),
                    ExitCodes.ERROR, "refused", "is not empty");
            String body = "{\"repo\":\"" + ws.repo + "\",\"cluster\":\"%s\",\"pgdata\":\"" + data + "\"}";
            assertThat(post(ws.socket(), "/pg/restore", body.formatted(ws.cluster))).containsPattern("^HTTP/1\\.[01] 409 ").endsWith("is not empty; restore into an empty or new directory\n");
            assertThat(post(ws.socket(), "/pg/backup", body.formatted("other"))).containsPattern("^HTTP/1\\.[01] 403 ")
                    .endsWith("this agent serves cluster '" + ws.cluster + "', the command names --cluster 'other'\n");

            // The agent cannot be reached: the same command runs in-process.
            CliTestSupport.Run fallback = ws.run("pg backup", "--cluster", ws.cluster, "--pgdata", data.toString(), "--dsn", ws.dsn(primary),
                    "--agent", ws.work.resolve("no-agent.sock").toString());
            assertThat(fallback.exit()).as(fallback.toString()).isZero();
            assertThat(fallback.errLines()).hasSize(1).first().asString().contains("cannot be reached").endsWith("running in-process");
            assertThat(fallback.out()).startsWith("base backup ");

            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(20001, 25000) g");
                st.execute("SELECT pg_switch_wal()");
                PgTestCluster.waitUntilArchived(st);
            }
            primary.stop();

            // The DR host's agent serves the restore target; restore_command fetches through it too.
            ws.handToPostgres();
            Path restored = ws.work.resolve("restored");
            // An agent started without --accept-commands answers 404: the client runs the command itself.
            ws.restartAgent(restored);
            CliTestSupport.Run notServed = ws.run("pg backup", "--cluster", ws.cluster, "--pgdata", restored.toString(),
                    "--dsn", "postgresql://nobody@127.0.0.1:1/none", "--agent", socket);
            assertThat(notServed.err()).contains("started without --accept-commands").contains("running in-process");
            assertThat(notServed.exit()).as("in-process, against a server that is not there").isNotZero();
            ws.restartAgent(restored, "--accept-commands");
            CliTestSupport.Run restore = viaAgent(ws, "pg restore", "--pgdata", restored.toString());
            assertThat(restore.exit()).as(restore.toString()).isZero();
            assertThat(restore.out()).contains("restored base backup", "into " + restored);
            PgTestCluster server = ws.startRestored(restored, false);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                assertThat(PgTestCluster.scalar(st, "SELECT count(*) FROM t")).isEqualTo(25000L);
            }
        }
    }

    /** The command through the agent, with a password file that does not exist (in-process would fail). */
    private static CliTestSupport.Run viaAgent(PgWorkspace ws, String command, String... rest) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
        args.addAll(java.util.List.of("--repo", ws.repo.toString(), "--password-file", "/nonexistent", "--agent", ws.socket().toString()));
        if (!java.util.Arrays.asList(rest).contains("--cluster")) {
            args.addAll(java.util.List.of("--cluster", ws.cluster));
        }
        args.addAll(java.util.List.of(rest));
        return CliTestSupport.run(args.toArray(String[]::new));
    }

    private static String post(Path socket, String path, String json) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            ch.write(ByteBuffer.wrap(("POST " + path + " HTTP/1.0\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1)));
            ch.write(ByteBuffer.wrap(body));
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
