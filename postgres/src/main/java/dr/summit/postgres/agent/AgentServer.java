package dr.summit.postgres.agent;

import dr.summit.http.Exchange;
import dr.summit.http.HttpError;
import dr.summit.http.HttpLimits;
import dr.summit.http.HttpServer;
import dr.summit.http.Reply;
import dr.summit.http.Router;
import dr.summit.http.RouterHandler;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The agent's HTTP endpoint on a UNIX socket, so that archive_command can be a curl call
 * ({@code curl --unix-socket S -X POST 'http://agent/wal-push?path=%p'}) instead of a JVM start.
 * Routes: {@code POST /wal-push?path=P} (200 when durable, 500 with the error),
 * {@code GET /wal-fetch?name=F&path=P} (200 written, 404 not archived), {@code GET /status};
 * {@code cluster=C} on any of them is refused unless C is the agent's cluster;
 * 403 for a request the agent refuses (docs/operations.md, "The agent's security model").
 * Commands run for a client ({@code POST /pg/backup}, {@code POST /pg/restore}: a JSON body of the
 * command's options) are {@link Job}s the caller registers: 200 with the command's JSON result once
 * it ran (whatever its exit code), 4xx and one line when refused before it started.
 * Bodies are plain text, one line; HTTP/1.0 clients without a Host header are served.
 *
 * <p>Who may talk to it: the socket is mode 660, and each connection's peer (SO_PEERCRED) must be
 * the agent's own user, root, or one of {@code allowedUsers}; others are closed at accept. What it
 * costs: the shared server (module http, Jetty) drops a client that sends nothing for
 * {@link Limits#headTimeout}, keeps at most {@link Limits#maxConnections} connections open (more are
 * closed at accept), and serves with a fixed pool of threads and a bounded queue (a connection that
 * finds it full is closed, and the client falls back to a JVM). If the server can no longer accept,
 * {@code onFatal} is told, and the command exits non-zero so that the service manager starts a fresh agent.
 */
public final class AgentServer implements AutoCloseable {
    /** Bounds on what clients can make the agent hold; {@code workers} counts every thread of the server. */
    public record Limits(int maxConnections, int workers, int queued, Duration headTimeout) {
        public static final Limits DEFAULT = new Limits(256, 8, 64, Duration.ofSeconds(10));
    }

    /**
     * A command the agent runs for a client with its open repository: takes the request's JSON body
     * and returns the JSON reply; {@link RequestRefused} before any work is done.
     */
    public interface Job {
        byte[] run(byte[] request) throws IOException;
    }

    /** Request bodies: a command's options, never data. */
    static final int MAX_JOB_REQUEST_BYTES = 64 * 1024;

    private final WalAgent agent;
    private final Set<UserPrincipal> allowedUsers;
    private final Consumer<String> log;
    private final Consumer<Throwable> onFatal;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AgentSocket socket;
    private HttpServer server;
    private long lastRefusalLog;
    private int refusalsNotLogged;

    /**
     * @param allowedUsers peers allowed besides the agent's own user
     * @param log          one line per refused peer or failed request (stderr: the journal)
     * @param onFatal      called once if the agent can no longer accept connections
     */
    public AgentServer(WalAgent agent, Path socket, Set<UserPrincipal> allowedUsers, Consumer<String> log,
                       Consumer<Throwable> onFatal, Limits limits) throws IOException {
        this(agent, socket, allowedUsers, log, onFatal, limits, java.util.Map.of());
    }

    /** @param jobs commands served at {@code POST /NAME} (e.g. "pg/backup"), see {@link Job} */
    public AgentServer(WalAgent agent, Path socket, Set<UserPrincipal> allowedUsers, Consumer<String> log,
                       Consumer<Throwable> onFatal, Limits limits, java.util.Map<String, Job> jobs) throws IOException {
        this.agent = agent;
        this.allowedUsers = Set.copyOf(allowedUsers);
        this.log = log;
        this.onFatal = onFatal;
        long maxBody = jobs.isEmpty() ? 0 : MAX_JOB_REQUEST_BYTES;
        HttpLimits http = new HttpLimits(8 * 1024, maxBody, limits.headTimeout(), limits.maxConnections(),
                limits.workers(), limits.queued());
        Router router = new Router()
                .post("/wal-push", this::push)
                .get("/wal-fetch", this::fetch)
                .get("/status", ex -> {
                    checkCluster(ex);
                    return Reply.text(200, agent.statusJson() + "\n");
                });
        jobs.forEach((name, job) -> router.post("/" + name, ex -> refusable(ex, () -> {
            checkCommandPeer(ex);
            return Reply.json(200, job.run(ex.body()));
        })));
        RouterHandler handler = new RouterHandler(router, maxBody, AgentServer::textError,
                line -> log.accept(line.replace("summit-dr http:", "summit-dr agent:")));
        this.socket = AgentSocket.bind(socket, "rw-rw----", staged -> {
            server = HttpServer.unix(staged, http, this::allowed, this::fatal, handler, "summit-agent");
            return server;
        });
    }

    private Reply push(Exchange ex) throws IOException {
        return refusable(ex, () -> {
            String file = param(ex, "path");
            if (file == null) {
                return Reply.text(400, "missing path parameter\n");
            }
            agent.push(Path.of(file));
            return Reply.text(200, ""); // empty: the client passes the body to stderr
        });
    }

    private Reply fetch(Exchange ex) throws IOException {
        return refusable(ex, () -> {
            String name = param(ex, "name");
            String dest = param(ex, "path");
            if (name == null || dest == null) {
                return Reply.text(400, "missing name or path parameter\n");
            }
            return agent.fetch(name, Path.of(dest)) ? Reply.text(200, "ok\n") : Reply.text(404, "not archived: " + name + "\n");
        });
    }

    private interface Work {
        Reply run() throws IOException;
    }

    /** A refusal is logged and answered 403; any other failure is the 500 the client prints. */
    private Reply refusable(Exchange ex, Work work) {
        try {
            checkCluster(ex);
            return work.run();
        } catch (RequestRefused e) {
            log.accept("summit-dr agent: refused " + ex.path() + ": " + e.getMessage());
            return Reply.text(e.status(), "summit-dr agent: " + e.getMessage() + "\n");
        } catch (HttpError e) {
            throw e;   // its own status (413: a request body over the limit)
        } catch (IOException | RuntimeException e) {
            return Reply.text(500, "summit-dr agent: " + e.getMessage() + "\n");
        }
    }

    private void checkCluster(Exchange ex) {
        String cluster = param(ex, "cluster");
        if (cluster != null && !cluster.equals(agent.cluster())) {
            // The JVM command would archive under the name the command line gives.
            throw new RequestRefused("this agent archives cluster '" + agent.cluster() + "', the command names --cluster '" + cluster + "'");
        }
    }

    private static Reply textError(HttpError e) {
        return Reply.text(e.status(), "summit-dr agent: " + e.getMessage() + "\n");
    }

    /** Why the agent stopped accepting, or null while it accepts. */
    public Throwable failure() {
        return failure.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return server.openConnections();
    }

    /**
     * A command names what the agent then runs and writes as its own user (pg_ctl, the launcher in
     * restore_command, files a connection string names): only a peer that already is that user, or
     * root, may send one; --allow-user peers may push and fetch WAL, nothing more.
     */
    private void checkCommandPeer(Exchange ex) {
        UnixDomainPrincipal peer = ex.unixPeer();
        if (peer == null || !(peer.user().equals(ownUser()) || peer.user().equals(root()))) {
            throw new RequestRefused("commands are served only to the agent's own user and root, not to "
                    + (peer == null ? "a peer of unknown identity" : "user " + peer.user().getName()));
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
    private synchronized void logRefusal(String line) {
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

    /** A query parameter decoded as the agent always has (a malformed escape is refused, 403). */
    private static String param(Exchange ex, String name) {
        for (String pair : ex.rawQuery().split("&")) {
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
    }
}
