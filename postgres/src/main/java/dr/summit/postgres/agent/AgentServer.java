package dr.summit.postgres.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal HTTP/1.0 endpoint on a UNIX socket, so that archive_command can be a curl call
 * ({@code curl --unix-socket S -X POST 'http://agent/wal-push?path=%p'}) instead of a JVM start.
 * Routes: {@code POST /wal-push?path=P} (200 when durable, 500 with the error),
 * {@code GET /wal-fetch?name=F&path=P} (200 written, 404 not archived), {@code GET /status}.
 * The socket is created mode 660: only its owner and group (the postgres user) may push.
 */
public final class AgentServer implements AutoCloseable {
    private final WalAgent agent;
    private final Path socket;
    private final ServerSocketChannel server;
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "summit-agent-http");
        t.setDaemon(true);
        return t;
    });
    private final Thread acceptor;

    public AgentServer(WalAgent agent, Path socket) throws IOException {
        this.agent = agent;
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        acceptor = new Thread(this::acceptLoop, "summit-agent-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                handlers.execute(() -> handle(client));
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private void handle(SocketChannel client) {
        try (client) {
            String requestLine = readHead(client);
            String[] parts = requestLine.split(" ");
            if (parts.length < 2) {
                respond(client, 400, "malformed request\n");
                return;
            }
            String method = parts[0];
            String target = parts[1];
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
            if (method.equals("POST") && path.equals("/wal-push")) {
                String file = param(query, "path");
                if (file == null) {
                    respond(client, 400, "missing path parameter\n");
                    return;
                }
                try {
                    agent.push(Path.of(file));
                    respond(client, 200, ""); // empty: the launcher passes the body to stderr
                } catch (IOException | RuntimeException e) {
                    respond(client, 500, "summit-dr agent: " + e.getMessage() + "\n");
                }
            } else if (method.equals("GET") && path.equals("/wal-fetch")) {
                String name = param(query, "name");
                String dest = param(query, "path");
                if (name == null || dest == null) {
                    respond(client, 400, "missing name or path parameter\n");
                    return;
                }
                try {
                    if (agent.fetch(name, Path.of(dest))) {
                        respond(client, 200, "ok\n");
                    } else {
                        respond(client, 404, "not archived: " + name + "\n");
                    }
                } catch (IOException | RuntimeException e) {
                    respond(client, 500, "summit-dr agent: " + e.getMessage() + "\n");
                }
            } else if (method.equals("GET") && path.equals("/status")) {
                respond(client, 200, agent.statusJson() + "\n");
            } else {
                respond(client, 404, "unknown route " + method + " " + path + "\n");
            }
        } catch (IOException ignored) {
            // The client went away; PostgreSQL will call again.
        }
    }

    private static String readHead(SocketChannel client) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                break;
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
            if (text.contains("\r\n\r\n") || text.contains("\n\n")) {
                break;
            }
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).trim();
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void respond(SocketChannel client, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.0 " + status + (status == 200 ? " OK" : " Error") + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n";
        ByteBuffer out = ByteBuffer.allocate(head.length() + bytes.length);
        out.put(head.getBytes(StandardCharsets.ISO_8859_1)).put(bytes).flip();
        while (out.hasRemaining()) {
            client.write(out);
        }
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        server.close();
        handlers.shutdownNow();
        Files.deleteIfExists(socket);
    }
}
