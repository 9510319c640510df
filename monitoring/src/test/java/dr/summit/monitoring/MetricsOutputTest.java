package dr.summit.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The text file and Pushgateway outputs, against a real directory and a real HTTP server. */
class MetricsOutputTest {
    @TempDir Path dir;

    @Test
    void textfileIsReplacedWholeAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("summit_dr.prom");
        DrMetrics first = new DrMetrics();
        first.recordBackup(Source.FILES, "files", 1, 1, 1, 1, false, Instant.now());
        MetricsTextfile.write(first, file);
        DrMetrics second = new DrMetrics();
        second.recordBackup(Source.FILES, "files", 1, 1, 1, 1, false, Instant.now());
        MetricsTextfile.write(second, file);
        String text = Files.readString(file);
        assertThat(DrMetricsTest.sample(text, "backup_failure_total{source=\"files\"}")).isEqualTo(2);
        assertThat(text).endsWith("\n");
        try (var names = Files.list(dir)) {
            assertThat(names.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".prom") || n.endsWith(".tmp")))
                    .containsExactly("summit_dr.prom");
        }
    }

    @Test
    void textfileInAMissingDirectoryFailsWithoutWritingAnything() {
        Path file = dir.resolve("missing/summit_dr.prom");
        assertThatThrownBy(() -> MetricsTextfile.write(new DrMetrics(), file)).isInstanceOf(IOException.class)
                .hasMessageContaining("missing");
        assertThat(Files.exists(dir.resolve("missing"))).isFalse();
    }

    @Test
    void pushPutsTheTextFormatIntoTheCommandsGroup() throws IOException {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + "\n"
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            DrMetrics m = new DrMetrics();
            m.recordBackup(Source.POSTGRES, "base", 2, 3, 4, 5, true, Instant.now());
            String warning = new Pushgateway("http://127.0.0.1:" + server.getAddress().getPort() + "/").push(m, "db-1", "pg-backup");
            assertThat(warning).isNull();
            assertThat(received).hasSize(1);
            assertThat(received.get(0)).startsWith("PUT /metrics/job/summit-dr/instance/db-1/command/pg-backup text/plain; version=0.0.4")
                    .contains("postgres_base_backup_duration_seconds{type=\"base\"} 2.0");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aGatewayThatRefusesOrIsDownIsAOneLineWarning() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "pushed metrics are invalid\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String warning = new Pushgateway("http://127.0.0.1:" + server.getAddress().getPort()).push(new DrMetrics(), "db-1", "backup");
            assertThat(warning).contains("HTTP 400: pushed metrics are invalid").doesNotContain("\n");
        } finally {
            server.stop(0);
        }
        int freePort;
        try (ServerSocket s = new ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        String down = new Pushgateway("http://127.0.0.1:" + freePort).push(new DrMetrics(), "db-1", "backup");
        assertThat(down).startsWith("Pushgateway http://127.0.0.1:" + freePort + "/metrics/job/summit-dr/instance/db-1/command/backup unreachable");
    }

    @Test
    void aPushUrlThatIsNotHttpIsRefused() {
        assertThatThrownBy(() -> new Pushgateway("pushgateway:9091")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--metrics-push pushgateway:9091: give http://HOST:PORT of a Pushgateway");
    }
}
