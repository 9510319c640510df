package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Only the agent's own user and --allow-user may talk to it, whatever the socket's mode (issue 21,
 * item 4: a member of the socket's group used a root-run agent to read and replace root's files).
 * The client here is curl run as 'nobody', to whom the socket is group-accessible.
 */
class PgAgentPeerTest {

    private static String curlAsNobody(Path socket) throws Exception {
        Process p = new ProcessBuilder("runuser", "-u", "nobody", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "10", "--unix-socket", socket.toString(), "http://agent/status").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out;
    }

    private static void letNobodyReach(LiveAgent a) throws Exception {
        PgTestCluster.sh("chmod", "755", a.work.toString());
        PgTestCluster.sh("chgrp", "nogroup", a.socket.toString());
    }

    @Test
    void aConnectionFromAnotherUserIsRefusedAndLogged() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "runs curl as nobody through runuser");
        try (LiveAgent a = LiveAgent.start()) {
            letNobodyReach(a);
            assertThat(curlAsNobody(a.socket)).isEqualTo("000");
            assertThat(a.request("GET", "/status").status()).as("the agent's own user").isEqualTo(200);
            assertThat(a.stop().err()).contains("refused a connection from user nobody");
        }
    }

    @Test
    void aUserNamedWithAllowUserIsServed() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "runs curl as nobody through runuser");
        try (LiveAgent a = LiveAgent.start("--allow-user", "nobody")) {
            letNobodyReach(a);
            assertThat(curlAsNobody(a.socket)).isEqualTo("200");
        }
    }

    @Test
    void anUnknownAllowUserIsAUsageError() throws Exception {
        try (LiveAgent a = LiveAgent.prepare()) {
            CliTestSupport.assertOneLineError(a.runAgent("--socket", a.socket.toString(), "--allow-user", "no-such-user-here"),
                    ExitCodes.USAGE, "--allow-user no-such-user-here: no such user");
        }
    }

    /** Commands make the agent run programs and write files as its user: an --allow-user peer may push WAL, not send them. */
    @Test
    void commandsAreRefusedToAnAllowedUserWhoIsNotTheAgentsOwn() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "runs curl as nobody through runuser");
        try (LiveAgent a = LiveAgent.start("--allow-user", "nobody", "--accept-commands")) {
            letNobodyReach(a);
            Process p = new ProcessBuilder("runuser", "-u", "nobody", "--", "curl", "-s", "--max-time", "10", "-w", "\n%{http_code}",
                    "--unix-socket", a.socket.toString(), "-X", "POST", "--data", "{}", "http://agent/pg/backup").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            assertThat(out).endsWith("\n403").contains("commands are served only to the agent's own user and root, not to user nobody");
            assertThat(curlAsNobody(a.socket)).as("WAL routes still serve nobody").isEqualTo("200");
        }
    }
}
