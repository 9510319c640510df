package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An agent that can no longer accept connections exits non-zero, so that the service manager
 * starts a fresh one (issue 21, item 4: after an OutOfMemoryError in the accept thread the process
 * lived on, refusing every request, and systemd did not restart it). Here accept fails because the
 * process runs out of file descriptors (its limit lowered with prlimit while it runs).
 */
class PgAgentAcceptFailureTest {

    @Test
    void anAgentThatCannotAcceptAnyMoreExitsNonZero() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "prlimit (util-linux) is needed");
        try (LiveAgent a = LiveAgent.prepare()) {
            Path log = a.work.resolve("agent.log");
            Process agent = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx128m", "-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider",
                    "--add-opens", "java.base/sun.nio.fs=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dr.summit.cli.Main",
                    "agent", "--repo", a.repo.toString(), "--password-file", a.password.toString(), "--socket", a.socket.toString(),
                    "--cluster", LiveAgent.CLUSTER, "--pgdata", a.pgdata.toString(), "--request-timeout", "120")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            List<SocketChannel> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 600 && agent.isAlive() && !Files.readString(log).contains("listening on"); i++) {
                    Thread.sleep(100);
                }
                assertThat(a.request("GET", "/status").status()).isEqualTo(200);
                long open;
                try (var fds = Files.list(Path.of("/proc", Long.toString(agent.pid()), "fd"))) {
                    open = fds.count();
                }
                long limit = open + 8;
                PgTestCluster.sh("prlimit", "--pid", Long.toString(agent.pid()), "--nofile=" + limit + ":" + limit);
                for (int i = 0; i < 40; i++) {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(UnixDomainSocketAddress.of(a.socket));
                    idle.add(ch);
                }
                assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("agent exited; log:\n%s", Files.readString(log)).isTrue();
                assertThat(agent.exitValue()).isEqualTo(ExitCodes.ERROR);
                assertThat(Files.readString(log)).contains("the agent can no longer accept connections")
                        .contains("exiting so that the service manager restarts it");
            } finally {
                for (SocketChannel ch : idle) {
                    ch.close();
                }
                agent.destroyForcibly().waitFor();
            }
        }
    }
}
