package dr.summit.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of idle and malformed connections cost the agent neither a thread each nor its life
 * (issue 21, item 4: ~19,000 idle connections, one thread each and no read timeout, ended in an
 * OutOfMemoryError in the accept thread and an agent that refused everything afterwards).
 */
class PgAgentSoakTest {
    private static final int IDLE = 3000;
    private static final int MALFORMED = 2000;

    @Test
    void thousandsOfIdleAndMalformedConnectionsLeaveTheAgentBoundedAndAPushStillSucceeds() throws Exception {
        try (LiveAgent a = LiveAgent.start("--request-timeout", "1", "--max-connections", "64")) {
            long started = System.nanoTime();
            int maxAgentThreads = 0;
            List<SocketChannel> idle = new ArrayList<>();
            Random random = new Random(21);
            try {
                for (int i = 0; i < IDLE; i++) {
                    idle.add(connect(a));
                    if (i % 3 == 0 && i / 3 < MALFORMED) {
                        malformed(a, random, i);
                    }
                    if (i % 100 == 0) {
                        maxAgentThreads = Math.max(maxAgentThreads, agentThreads());
                    }
                }
                for (int i = IDLE / 3; i < MALFORMED; i++) {
                    malformed(a, random, i);
                }
                long floodMillis = (System.nanoTime() - started) / 1_000_000;
                System.out.printf("agent soak: %d idle and %d malformed connections in %d ms, at most %d agent threads%n",
                        IDLE, MALFORMED, floodMillis, maxAgentThreads);
                assertThat(floodMillis).as("the flood is bounded in time").isLessThan(60_000);
                // The agent's threads: one reading request heads, a fixed pool of workers.
                assertThat(maxAgentThreads).isLessThanOrEqualTo(1 + 8);

                // The idle connections are still open on this side; the agent dropped them after
                // --request-timeout, so a real push gets through.
                Thread.sleep(1500);
                String name = LiveAgent.segmentName(9);
                LiveAgent.Response r = a.push(a.segment(name, 65536, 9));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(a.archived()).containsExactly(name);
                assertThat(a.request("GET", "/status").body()).contains("\"failures\":0");
                assertThat(agentThreads()).isLessThanOrEqualTo(1 + 8);
            } finally {
                for (SocketChannel ch : idle) {
                    ch.close();
                }
            }
        }
    }

    private static SocketChannel connect(LiveAgent a) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(a.socket));
        return ch;
    }

    /** One of: an endless head, an empty request line, garbage bytes, a malformed escape, an unknown route. */
    private static void malformed(LiveAgent a, Random random, int i) throws IOException {
        try (SocketChannel ch = connect(a)) {
            byte[] bytes = switch (i % 5) {
                case 0 -> "X".repeat(9000).getBytes(StandardCharsets.ISO_8859_1);
                case 1 -> "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
                case 2 -> {
                    byte[] junk = new byte[512];
                    random.nextBytes(junk);
                    junk[510] = '\n';
                    junk[511] = '\n';
                    yield junk;
                }
                case 3 -> "POST /wal-push?path=%ZZ HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
                default -> "GET /../../etc/shadow HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            };
            try {
                ch.write(ByteBuffer.wrap(bytes));
            } catch (IOException closedByTheAgent) {
                // refused at accept (too many open) or dropped mid-write: both are what a flood deserves
            }
        }
    }

    private static int agentThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("summit-agent")).count();
    }
}
