package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --socket PATH takes only a path that is free or a stale socket (issue 21, item 4: it deleted
 * whatever file was at PATH, and a second agent silently took over the first one's socket), and
 * the socket appears with its final mode.
 */
class PgAgentSocketTest {

    @Test
    void aSocketPathThatIsARegularFileIsRefusedAndTheFileKept() throws Exception {
        try (LiveAgent a = LiveAgent.prepare()) {
            Path precious = Files.writeString(a.work.resolve("precious.conf"), "keep me\n");
            CliTestSupport.Run r = a.runAgent("--socket", precious.toString());
            CliTestSupport.assertOneLineError(r, ExitCodes.ERROR, "--socket " + precious + " exists and is not a socket");
            assertThat(Files.readString(precious)).isEqualTo("keep me\n");
            Path dir = Files.createDirectories(a.work.resolve("a-directory"));
            CliTestSupport.assertOneLineError(a.runAgent("--socket", dir.toString()), ExitCodes.ERROR, "is not a socket");
            assertThat(Files.isDirectory(dir)).isTrue();
        }
    }

    @Test
    void aSecondAgentOnALiveAgentsSocketIsRefusedAndTheFirstKeepsServing() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            CliTestSupport.Run second = a.runAgent("--socket", a.socket.toString());
            CliTestSupport.assertOneLineError(second, ExitCodes.ERROR, "another agent is listening on " + a.socket);
            assertThat(a.request("GET", "/status").status()).isEqualTo(200);
        }
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        try (LiveAgent a = LiveAgent.prepare()) {
            try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                dead.bind(UnixDomainSocketAddress.of(a.socket));
            }
            assertThat(Files.exists(a.socket, LinkOption.NOFOLLOW_LINKS)).as("a socket left behind").isTrue();
            a.startAgent();
            assertThat(a.request("GET", "/status").status()).isEqualTo(200);
        }
    }

    @Test
    void theSocketAppearsWithMode660AndNoStagingDirectoryIsLeft() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a.socket, LinkOption.NOFOLLOW_LINKS))).isEqualTo("rw-rw----");
            try (var s = Files.list(a.work)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".summit-agent-"));
            }
            a.stop();
            assertThat(Files.exists(a.socket, LinkOption.NOFOLLOW_LINKS)).as("removed on stop").isFalse();
        }
    }
}
