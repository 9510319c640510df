package dr.summit.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared server against real sockets: routes, limits and error bodies. */
class HttpServerTest {
    private static final HttpLimits SMALL = new HttpLimits(2048, 64, Duration.ofSeconds(1), 8, 4, 8);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServer server;

    private HttpServer start(HttpLimits limits) throws Exception {
        Router router = new Router()
                .get("/hello/{name}", ex -> Reply.text(200, "hello " + ex.pathVariable("name") + " " + ex.query("x")))
                .post("/echo", ex -> Reply.of(200, "application/octet-stream", ex.body()))
                .get("/boom", ex -> {
                    throw new IllegalStateException("secret internal detail");
                })
                .get("/window", ex -> {
                    throw new HttpError(422, "target outside the window", java.util.Map.of("earliest", "a", "latest", "b"));
                });
        server = HttpServer.tcp("127.0.0.1", 0, limits, null, new RouterHandler(router, limits.maxBodyBytes(), JsonErrors::reply, line -> { }), "test-http");
        return server;
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesBindPathVariablesAndQueryParameters() throws Exception {
        URI base = start(SMALL).uri();
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/hello/world?x=%2Fy")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello world /y");
        assertThat(r.headers().firstValue("Server")).isEmpty();
    }

    @Test
    void unknownRoutesAndMethodsAreJson404And405() throws Exception {
        URI base = start(SMALL).uri();
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/nope")));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"error\":\"unknown route /nope\",\"status\":404}");
        assertThat(send(HttpRequest.newBuilder(base.resolve("/echo"))).statusCode()).isEqualTo(405);
    }

    @Test
    void aFailingRouteAnswers500WithoutItsMessageOrAStackTrace() throws Exception {
        URI base = start(SMALL).uri();
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/boom")));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).doesNotContain("secret").doesNotContain("at dr.summit").contains("internal error");
    }

    @Test
    void errorDetailsTravelAsJsonFields() throws Exception {
        URI base = start(SMALL).uri();
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/window")));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("\"earliest\":\"a\"").contains("\"latest\":\"b\"");
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        URI base = start(SMALL).uri();
        assertThat(send(HttpRequest.newBuilder(base.resolve("/echo")).POST(HttpRequest.BodyPublishers.ofString("x".repeat(64)))).body())
                .isEqualTo("x".repeat(64));
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/echo")).POST(HttpRequest.BodyPublishers.ofString("x".repeat(65))));
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void anOversizedHeadIsAJsonErrorNotAStackTrace() throws Exception {
        URI base = start(SMALL).uri();
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("/hello/x")).header("X-Big", "y".repeat(4096)));
        assertThat(r.statusCode()).isEqualTo(431);
        assertThat(r.body()).startsWith("{\"error\":").doesNotContain("<html");
    }

    @Test
    void aMalformedRequestLineIs400() throws Exception {
        HttpServer s = start(SMALL);
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.getOutputStream().write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400").doesNotContain("Exception");
        }
    }

    @Test
    void aClientThatStallsMidRequestIsDroppedAfterTheIdleTimeout() throws Exception {
        HttpServer s = start(SMALL);
        try (Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /hello/x HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1));
            long started = System.nanoTime();
            InputStream in = socket.getInputStream();
            in.readAllBytes(); // returns when the server closes
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void aUnixSocketClosesRefusedPeersAtAcceptAndServesOthers(@TempDir Path dir) throws Exception {
        Router router = new Router().get("/status", ex -> Reply.text(200, "ok"));
        java.util.concurrent.atomic.AtomicBoolean allow = new java.util.concurrent.atomic.AtomicBoolean(true);
        Path socket = dir.resolve("s");
        try (HttpServer unix = HttpServer.unix(socket, SMALL, ch -> allow.get(), e -> { },
                new RouterHandler(router, 0, JsonErrors::reply, line -> { }), "test-unix")) {
            assertThat(unixGet(socket)).startsWith("HTTP/1.1 200").endsWith("ok");
            allow.set(false);
            assertThat(unixGet(socket)).isEmpty();
            allow.set(true);
            assertThat(unixGet(socket)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void idleUnixConnectionsBeyondTheLimitAreClosedAndTheSlotsComeBack(@TempDir Path dir) throws Exception {
        Router router = new Router().get("/status", ex -> Reply.text(200, "ok"));
        Path socket = dir.resolve("s");
        java.util.List<SocketChannel> idle = new java.util.ArrayList<>();
        try (HttpServer unix = HttpServer.unix(socket, SMALL, ch -> true, e -> { },
                new RouterHandler(router, 0, JsonErrors::reply, line -> { }), "test-unix")) {
            for (int i = 0; i < 40; i++) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                idle.add(ch);
            }
            Thread.sleep(300);
            assertThat(unix.openConnections()).isLessThanOrEqualTo(SMALL.maxConnections());
            Thread.sleep(1500);
            assertThat(unix.openConnections()).as("idle ones dropped after the idle timeout").isZero();
            assertThat(unixGet(socket)).startsWith("HTTP/1.1 200");
        } finally {
            for (SocketChannel ch : idle) {
                ch.close();
            }
        }
    }

    private static String unixGet(Path socket) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("GET /status HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException reset) {
            return "";
        }
    }
}
