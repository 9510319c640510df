package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log: the resident agent records each push and fetch with segment, bytes and milliseconds and every
 * failure, in one line each, to --log-file; nothing in it is a secret. Runs in a process of its own, as
 * operators run the agent (the log provider is configured once per JVM).
 */
class LoggingCliTest {
    @Test
    void theAgentLogsPushesFetchesAndFailuresAndNoSecret() throws Exception {
        try (LiveAgent a = LiveAgent.prepare()) {
            Path log = a.work.resolve("agent.log");
            Path out = a.work.resolve("agent.out");
            List<String> command = new ArrayList<>(CliTestSupport.javaCommand("agent", "--repo", a.repo.toString(),
                    "--password-file", a.password.toString(), "--socket", a.socket.toString(), "--cluster", LiveAgent.CLUSTER,
                    "--pgdata", a.pgdata.toString(), "--log-file", log.toString()));
            Process agent = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                for (int i = 0; i < 600 && agent.isAlive() && !Files.readString(out).contains("listening on"); i++) {
                    Thread.sleep(100);
                }
                String name = LiveAgent.segmentName(3);
                Path segment = a.segment(name, 1 << 20, 7);
                assertThat(a.push(segment).status()).isEqualTo(200);
                assertThat(a.push(segment).status()).as("again: identical, already archived").isEqualTo(200);
                assertThat(a.fetch(name, a.pgWal.resolve("RECOVERYXLOG")).status()).isEqualTo(200);
                a.fetch(LiveAgent.segmentName(9), a.pgWal.resolve("RECOVERYXLOG"));
                assertThat(a.push(a.work.resolve("outside-pg_wal")).status()).isGreaterThanOrEqualTo(400);
            } finally {
                agent.destroy();
                agent.waitFor(20, TimeUnit.SECONDS);
            }
            String text = Files.readString(log);
            assertThat(text).containsPattern("INFO WalAgent - wal-push " + LiveAgent.segmentName(3) + " 1048576 bytes \\d+ ms\\n");
            assertThat(text).contains("wal-push " + LiveAgent.segmentName(3) + " 1048576 bytes").contains("(already archived, identical)");
            assertThat(text).containsPattern("wal-fetch " + LiveAgent.segmentName(3) + " \\d+ ms");
            assertThat(text).contains("wal-fetch " + LiveAgent.segmentName(9) + " not archived");
            assertThat(text).containsPattern("WARN WalAgent - wal-push .*outside-pg_wal refused");
            assertThat(text).matches("(?s)^\\d{4}-\\d\\d-\\d\\dT.*");
            assertThat(text).as("the password never reaches the log").doesNotContain("agent-secret");
            assertThat(Files.readString(out)).as("the log went to the file, not stderr").doesNotContain("wal-push " + LiveAgent.segmentName(3));
        }
    }

    @Test
    void aBadLogLevelIsAUsageError() {
        CliTestSupport.assertOneLineError(CliTestSupport.run("snapshots", "--log-level", "loud"), ExitCodes.USAGE,
                "--log-level wants one of error, warn, info, debug, trace");
    }

    @Test
    void verbosityCountsAndLongRunningCommandsDefaultToInfo() {
        assertThat(LogSetup.level(new String[]{"snapshots"}, n -> null)).isEqualTo("warn");
        assertThat(LogSetup.level(new String[]{"-v", "snapshots"}, n -> null)).isEqualTo("info");
        assertThat(LogSetup.level(new String[]{"backup", "-vv", "/x"}, n -> null)).isEqualTo("debug");
        assertThat(LogSetup.level(new String[]{"agent", "--socket", "s"}, n -> null)).isEqualTo("info");
        assertThat(LogSetup.level(new String[]{"pg", "stream", "-vvvvv"}, n -> null)).isEqualTo("trace");
        assertThat(LogSetup.level(new String[]{"agent"}, n -> n.equals("SUMMIT_LOG_LEVEL") ? "ERROR" : null)).isEqualTo("error");
        assertThat(LogSetup.level(new String[]{"agent", "--log-level", "debug"}, n -> "error")).isEqualTo("debug");
    }
}
