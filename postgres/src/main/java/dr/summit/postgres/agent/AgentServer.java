package dr.summit.postgres.agent;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A minimal HTTP/1.0 endpoint on a UNIX socket, so that archive_command can be a curl call
 * ({@code curl --unix-socket S -X POST 'http://agent/wal-push?path=%p'}) instead of a JVM start.
 * Routes: {@code POST /wal-push?path=P} (200 when durable, 500 with the error),
 * {@code GET /wal-fetch?name=F&path=P} (200 written, 404 not archived), {@code GET /status};
 * {@code cluster=C} on any of them is refused unless C is the agent's cluster;
 * 403 for a request the agent refuses (docs/operations.md, "The agent's security model").
 *
 * <p>Who may talk to it: the socket is mode 660, and each connection's peer (SO_PEERCRED) must be
 * the agent's own user, root, or one of {@code allowedUsers}. What it costs: one thread reads every
 * request head with a deadline ({@link Limits#headTimeout}), at most {@link Limits#maxConnections}
 * connections are open at once (more are closed at accept), and a fixed pool of workers with a
 * bounded queue does the work (a connection that finds it full is closed at once, and the client
 * falls back to a JVM). If that thread can no longer accept, {@code onFatal} is told, and the
 * command exits non-zero so that the service manager starts a fresh agent.
 */
public final class AgentServer implements AutoCloseable {
    /** Bounds on what clients can make the agent hold. */
    public record Limits(int maxConnections, int workers, int queued, Duration headTimeout) {
        public static final Limits DEFAULT = new Limits(256, 8, 64, Duration.ofSeconds(10));
    }

    private static final int HEAD_BYTES = 8 * 1024;
    private static final int ACCEPT_FAILURES_FATAL = 50;

    private final WalAgent agent;
    private final AgentSocket socket;
    private final Set<UserPrincipal> allowedUsers;
    private final Consumer<String> log;
    private final Consumer<Throwable> onFatal;
    private final Limits limits;
    private final Selector selector;
    private final ThreadPoolExecutor workers;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread io;
    private long lastRefusalLog;
    private int refusalsNotLogged;

    /**
     * @param allowedUsers peers allowed besides the agent's own user
     * @param log          one line per refused peer or failed request (stderr: the journal)
     * @param onFatal      called once if the agent can no longer accept connections
     */
    public AgentServer(WalAgent agent, Path socket, Set<UserPrincipal> allowedUsers, Consumer<String> log,
                       Consumer<Throwable> onFatal, Limits limits) throws IOException {
        this.agent = agent;
        this.allowedUsers = Set.copyOf(allowedUsers);
        this.log = log;
        this.onFatal = onFatal;
        this.limits = limits;
        this.socket = AgentSocket.bind(socket, "rw-rw----");
        this.selector = Selector.open();
        ServerSocketChannel server = this.socket.channel();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.queued()), r -> {
                    Thread t = new Thread(r, "summit-agent-worker");
                    t.setDaemon(true);
                    return t;
                });
        io = new Thread(this::ioLoop, "summit-agent-io");
        io.setDaemon(true);
        io.start();
    }

    /** Why the agent stopped accepting, or null while it accepts. */
    public Throwable failure() {
        return failure.get();
    }

    /** Connections open now (request heads being read and requests being served). */
    public int openConnections() {
        return open.get();
    }

    /** A connection whose request head is being read. */
    private static final class Pending {
        final SocketChannel channel;
        final ByteBuffer head = ByteBuffer.allocate(HEAD_BYTES);
        final long deadline;

        Pending(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }
    }

    private void ioLoop() {
        Map<SocketChannel, Pending> pending = new HashMap<>();
        int acceptFailures = 0;
        try {
            while (socket.channel().isOpen()) {
                selector.select(250);
                List<Pending> complete = new ArrayList<>();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        try {
                            acceptAll(pending);
                            acceptFailures = 0;
                        } catch (IOException e) {
                            // e.g. out of file descriptors: the socket stays readable, so wait a little.
                            if (++acceptFailures >= ACCEPT_FAILURES_FATAL) {
                                throw new IOException("accept failed " + acceptFailures + " times in a row: " + e.getMessage(), e);
                            }
                            Thread.sleep(100);
                        }
                    } else if (key.isReadable()) {
                        Pending p = (Pending) key.attachment();
                        if (readHead(p)) {
                            key.cancel();
                            pending.remove(p.channel);
                            complete.add(p);
                        } else if (!p.channel.isOpen()) {
                            pending.remove(p.channel);
                            closed(p.channel);
                        }
                    }
                }
                if (!complete.isEmpty()) {
                    selector.selectNow(); // deregisters the cancelled keys, so the channels can block again
                    for (Pending p : complete) {
                        dispatch(p);
                    }
                }
                long now = System.nanoTime();
                pending.values().removeIf(p -> {
                    if (now - p.deadline > 0) {
                        closed(p.channel);
                        return true;
                    }
                    return false;
                });
            }
        } catch (ClosedSelectorException closing) {
            // close()
        } catch (Throwable e) {
            if (socket.channel().isOpen()) {
                fatal(e);
            }
        } finally {
            pending.keySet().forEach(this::closed);
        }
    }

    private void acceptAll(Map<SocketChannel, Pending> pending) throws IOException {
        SocketChannel client;
        while ((client = socket.channel().accept()) != null) {
            if (open.get() >= limits.maxConnections()) {
                client.close(); // a flood must not cost a thread, a buffer or a descriptor each
                continue;
            }
            open.incrementAndGet();
            if (!allowed(client)) {
                closed(client);
                continue;
            }
            client.configureBlocking(false);
            Pending p = new Pending(client, System.nanoTime() + limits.headTimeout().toNanos());
            client.register(selector, SelectionKey.OP_READ, p);
            pending.put(client, p);
        }
    }

    private boolean allowed(SocketChannel client) {
        UnixDomainPrincipal peer;
        try {
            peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (IOException | UnsupportedOperationException e) {
            logRefusal("summit-dr agent: refused a connection: cannot read its peer credentials (" + e.getMessage() + ")");
            return false;
        }
        // root may: it can read the agent's password file and repository anyway (monitoring runs
        // 'curl … /status' as root).
        if (peer.user().equals(ownUser()) || peer.user().equals(root()) || allowedUsers.contains(peer.user())) {
            return true;
        }
        logRefusal("summit-dr agent: refused a connection from user " + peer.user().getName()
                + ": only the agent's own user, root and --allow-user may connect");
        return false;
    }

    /** At most one line a second, so that a flood of refused peers cannot fill the journal. */
    private void logRefusal(String line) {
        long now = System.nanoTime();
        if (now - lastRefusalLog >= 1_000_000_000L || lastRefusalLog == 0) {
            log.accept(line + (refusalsNotLogged > 0 ? " (and " + refusalsNotLogged + " more refused)" : ""));
            lastRefusalLog = now;
            refusalsNotLogged = 0;
        } else {
            refusalsNotLogged++;
        }
    }

    private static volatile UserPrincipal own;
    private static volatile UserPrincipal root;

    private static UserPrincipal root() {
        if (root == null) {
            try {
                root = java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("0");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot look up uid 0", e);
            }
        }
        return root;
    }

    static UserPrincipal ownUser() {
        if (own == null) {
            try {
                own = java.nio.file.Files.getOwner(Path.of("/proc/self"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot tell this process's user from /proc/self", e);
            }
        }
        return own;
    }

    /** Reads what is there; true once the head is complete. Closes the channel on EOF or an oversized head. */
    private boolean readHead(Pending p) {
        try {
            int n = p.channel.read(p.head);
            String text = new String(p.head.array(), 0, p.head.position(), StandardCharsets.ISO_8859_1);
            if (text.contains("\r\n\r\n") || text.contains("\n\n")) {
                return true;
            }
            if (n < 0 || !p.head.hasRemaining()) {
                p.channel.close();
            }
        } catch (IOException e) {
            try {
                p.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        return false;
    }

    private void dispatch(Pending p) {
        try {
            p.channel.configureBlocking(true);
            workers.execute(() -> serve(p));
        } catch (RejectedExecutionException | IOException busy) {
            closed(p.channel); // the client sees no answer and archives through a JVM instead
        }
    }

    private void serve(Pending p) {
        SocketChannel client = p.channel;
        try {
            String text = new String(p.head.array(), 0, p.head.position(), StandardCharsets.ISO_8859_1);
            int end = text.indexOf('\n');
            handle(client, (end < 0 ? text : text.substring(0, end)).trim());
        } catch (IOException clientGone) {
            // The client went away; PostgreSQL will call again.
        } catch (VirtualMachineError e) {
            fatal(e);
        } finally {
            closed(client);
        }
    }

    private void handle(SocketChannel client, String requestLine) throws IOException {
        String[] parts = requestLine.split(" ");
        if (parts.length < 2) {
            respond(client, 400, "malformed request\n");
            return;
        }
        String method = parts[0];
        String target = parts[1];
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
        try {
            String cluster = param(query, "cluster");
            if (cluster != null && !cluster.equals(agent.cluster())) {
                // The JVM command would archive under the name the command line gives.
                throw new RequestRefused("this agent archives cluster '" + agent.cluster() + "', the command names --cluster '" + cluster + "'");
            }
            if (method.equals("POST") && path.equals("/wal-push")) {
                String file = param(query, "path");
                if (file == null) {
                    respond(client, 400, "missing path parameter\n");
                    return;
                }
                agent.push(Path.of(file));
                respond(client, 200, ""); // empty: the client passes the body to stderr
            } else if (method.equals("GET") && path.equals("/wal-fetch")) {
                String name = param(query, "name");
                String dest = param(query, "path");
                if (name == null || dest == null) {
                    respond(client, 400, "missing name or path parameter\n");
                } else if (agent.fetch(name, Path.of(dest))) {
                    respond(client, 200, "ok\n");
                } else {
                    respond(client, 404, "not archived: " + name + "\n");
                }
            } else if (method.equals("GET") && path.equals("/status")) {
                respond(client, 200, agent.statusJson() + "\n");
            } else {
                respond(client, 404, "unknown route\n");
            }
        } catch (RequestRefused e) {
            log.accept("summit-dr agent: refused " + path + ": " + e.getMessage());
            respond(client, 403, "summit-dr agent: " + e.getMessage() + "\n");
        } catch (IOException | RuntimeException e) {
            respond(client, 500, "summit-dr agent: " + e.getMessage() + "\n");
        }
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                try {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException malformed) {
                    throw new RequestRefused("malformed " + name + " parameter");
                }
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

    private void closed(SocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing more to do with it
        }
        open.decrementAndGet();
    }

    private void fatal(Throwable e) {
        if (failure.compareAndSet(null, e)) {
            onFatal.accept(e);
        }
    }

    public Path socket() {
        return socket.path();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        selector.close();
        workers.shutdownNow();
    }
}
