package dr.summit.repository.store.s3;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback HTTP proxy in front of an S3 server that makes chosen requests fail the way networks and
 * S3 fail: 503 SlowDown, 500 InternalError, 403 AccessDenied, a connection reset, a server that never
 * answers, a request or response body with one bit flipped, or a response lost after the server acted on the request.
 * Everything else is forwarded byte for byte (the SigV4 signature covers the Host header, which is
 * left as the client sent it), one request per connection.
 */
final class FaultInjectingProxy implements AutoCloseable {
    enum Fault { SLOW_DOWN, INTERNAL_ERROR, ACCESS_DENIED, RESET, HANG, LOSE_RESPONSE, CORRUPT_REQUEST, CORRUPT_RESPONSE }

    /** One request as it arrived: the request line, its headers (lower-case names) and what was done to it. */
    record Request(String line, Map<String, String> headers, Fault fault) {
        String method() {
            return line.substring(0, line.indexOf(' '));
        }
    }

    private record Rule(Predicate<Request> matches, Fault fault, Runnable action, AtomicInteger remaining) {
    }

    private final int upstreamPort;
    private final ServerSocket server;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });

    FaultInjectingProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.submit(this::accept);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
    }

    /** The next {@code times} requests that match fail with {@code fault}. */
    FaultInjectingProxy fail(Predicate<Request> matches, int times, Fault fault) {
        rules.add(new Rule(matches, fault, null, new AtomicInteger(times)));
        return this;
    }

    /** Runs {@code action} before forwarding the next request that matches. */
    FaultInjectingProxy before(Predicate<Request> matches, Runnable action) {
        rules.add(new Rule(matches, null, action, new AtomicInteger(1)));
        return this;
    }

    static Predicate<Request> method(String method) {
        return r -> r.method().equals(method);
    }

    static Predicate<Request> lineContains(String method, String fragment) {
        return r -> r.method().equals(method) && r.line().contains(fragment);
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            Map<String, String> headers = new TreeMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                }
            }
            Request probe = new Request(lines[0], headers, null);
            Rule rule = null;
            for (Rule r : rules) {
                if (r.matches().test(probe) && r.remaining().getAndDecrement() > 0) {
                    rule = r;
                    break;
                }
            }
            Fault fault = rule == null ? null : rule.fault();
            requests.add(new Request(lines[0], headers, fault));
            if (rule != null && rule.action() != null) {
                rule.action().run();
            }
            if (fault == null || fault == Fault.LOSE_RESPONSE || fault == Fault.CORRUPT_REQUEST || fault == Fault.CORRUPT_RESPONSE) {
                forward(head, headers, in, client, fault);
                return;
            }
            switch (fault) {
                case SLOW_DOWN -> respond(client, in, probe, 503, "Slow Down", "SlowDown", "Please reduce your request rate.");
                case INTERNAL_ERROR -> respond(client, in, probe, 500, "Internal Server Error", "InternalError",
                        "We encountered an internal error. Please try again.");
                case ACCESS_DENIED -> respond(client, in, probe, 403, "Forbidden", "AccessDenied", "Access Denied");
                case RESET -> client.setSoLinger(true, 0);
                case HANG -> {
                    // Never answer; the client's timeout ends the wait by closing the connection.
                    while (in.read() >= 0) {
                        // discard
                    }
                }
                default -> throw new IllegalStateException(fault.toString());
            }
        } catch (IOException e) {
            // The client or the upstream went away; the client sees it as a network failure.
        } finally {
            sockets.remove(client);
        }
    }

    private void respond(Socket client, InputStream in, Request request, int status, String reason, String code,
                         String message) throws IOException {
        if (!"100-continue".equalsIgnoreCase(request.headers().get("expect"))) {
            in.skipNBytes(contentLength(request.headers()));
        }
        boolean head = request.method().equals("HEAD");
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>fault-proxy</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        String responseHead = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + (head ? 0 : body.length) + "\r\nx-amz-request-id: fault-proxy\r\nConnection: close\r\n\r\n";
        OutputStream out = client.getOutputStream();
        out.write(responseHead.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(body);
        }
        out.flush();
        client.shutdownOutput();
    }

    private void forward(byte[] head, Map<String, String> headers, InputStream clientIn, Socket client, Fault fault)
            throws IOException {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            sockets.add(upstream);
            OutputStream up = upstream.getOutputStream();
            up.write(withConnectionClose(head));
            up.flush();
            long length = contentLength(headers);
            // The body goes up on its own thread: with "Expect: 100-continue" it follows the server's 100.
            threads.submit(() -> {
                try {
                    copy(clientIn, up, length, fault == Fault.CORRUPT_REQUEST ? length / 2 : -1);
                } catch (IOException e) {
                    // the exchange failed; the response side notices
                }
                return null;
            });
            InputStream upIn = new BufferedInputStream(upstream.getInputStream());
            OutputStream out = client.getOutputStream();
            while (true) {
                byte[] responseHead = readHead(upIn);
                if (responseHead == null) {
                    return;
                }
                String status = new String(responseHead, 0, Math.min(12, responseHead.length), StandardCharsets.ISO_8859_1);
                if (status.startsWith("HTTP/1.1 1")) {
                    out.write(responseHead);
                    out.flush();
                    continue;
                }
                if (fault == Fault.LOSE_RESPONSE) {
                    // The server did the work; the client never hears of it.
                    upIn.transferTo(OutputStream.nullOutputStream());
                    client.setSoLinger(true, 0);
                    return;
                }
                out.write(withConnectionClose(responseHead));
                break;
            }
            if (fault == Fault.CORRUPT_RESPONSE) {
                byte[] body = upIn.readAllBytes();
                body[body.length / 2] ^= 0x10;
                out.write(body);
            } else {
                upIn.transferTo(out);
            }
            out.flush();
        } finally {
            sockets.removeIf(Socket::isClosed);
        }
    }

    /** Copies {@code length} bytes, flipping a bit of the byte at {@code flipAt} (none when negative). */
    private static void copy(InputStream in, OutputStream out, long length, long flipAt) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                return;
            }
            long position = length - left;
            if (flipAt >= position && flipAt < position + n) {
                buffer[(int) (flipAt - position)] ^= 0x10;
            }
            out.write(buffer, 0, n);
            left -= n;
        }
        out.flush();
    }

    private static long contentLength(Map<String, String> headers) {
        if (headers.containsKey("transfer-encoding")) {
            throw new IllegalStateException("chunked requests are not supported by this proxy");
        }
        return Long.parseLong(headers.getOrDefault("content-length", "0"));
    }

    /** The head with any Connection/Keep-Alive header replaced by "Connection: close". */
    private static byte[] withConnectionClose(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (!line.isEmpty() && !lower.startsWith("connection:") && !lower.startsWith("keep-alive:")) {
                out.append(line).append("\r\n");
            }
        }
        out.append("Connection: close\r\n\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Bytes up to and including the blank line that ends an HTTP head; null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
