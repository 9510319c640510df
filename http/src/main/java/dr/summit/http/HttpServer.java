package dr.summit.http;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A started Jetty server with one connector (TCP, optionally TLS, or a UNIX socket) and our limits:
 * head size, body size (in {@link Exchange#body}), idle time per connection, minimum request data rate
 * (a client that trickles its request is dropped), open connections, and a bounded worker pool whose
 * threads are named after the server. Errors are JSON ({@link JsonErrorHandler}); no server version header.
 */
public final class HttpServer implements AutoCloseable {
    private final Server server;
    private final AbstractConnector connector;
    private final boolean tls;

    private HttpServer(Server server, AbstractConnector connector, boolean tls) {
        this.server = server;
        this.connector = connector;
        this.tls = tls;
    }

    /** Listens on host:port (port 0: a free one); {@code ssl} null for plain HTTP. */
    public static HttpServer tcp(String host, int port, HttpLimits limits, SSLContext ssl, Handler handler, String name) throws IOException {
        Server server = newServer(limits, name);
        HttpConfiguration config = config(limits);
        ServerConnector connector;
        if (ssl != null) {
            config.addCustomizer(new SecureRequestCustomizer(false));
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setSslContext(ssl);
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(factory, "http/1.1"), new HttpConnectionFactory(config));
        } else {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(idleMillis(limits));
        server.addConnector(connector);
        // TCP clients wait in the backlog beyond the limit (back-pressure), they are not dropped.
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        return start(server, connector, handler, ssl != null);
    }

    /**
     * Listens on a UNIX socket at {@code socket} (which must not exist). A connection whose peer
     * {@code peers} refuses, or beyond {@link HttpLimits#maxConnections}, is closed at accept.
     */
    public static HttpServer unix(Path socket, HttpLimits limits, Predicate<SocketChannel> peers, Consumer<Throwable> onFatal,
                                  Handler handler, String name) throws IOException {
        Server server = newServer(limits, name);
        HttpConfiguration config = config(limits);
        // A UNIX socket has no host name: without one, an HTTP/1.0 request with no Host header (curl's
        // and the agent's own clients') would be refused as having no authority.
        config.setServerAuthority(new org.eclipse.jetty.util.HostPort("localhost"));
        UnixPeerConnector connector = new UnixPeerConnector(server, peers, limits.maxConnections(), onFatal,
                new HttpConnectionFactory(config));
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(idleMillis(limits));
        connector.setAcceptQueueSize(64);
        server.addConnector(connector);
        return start(server, connector, handler, false);
    }

    /**
     * Jetty spends two idle periods on a silent client: at the first it answers 408 and shuts its output,
     * at the second it closes. Half the limit each, so the connection is gone after {@link HttpLimits#idleTimeout}.
     */
    private static long idleMillis(HttpLimits limits) {
        return Math.max(1, limits.idleTimeout().toMillis() / 2);
    }

    private static Server newServer(HttpLimits limits, String name) {
        // The acceptor and the selector take two of the pool's threads; the rest serve requests.
        int threads = limits.workers() + 1;
        QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(threads, 3), 60_000, 0,
                new BlockingArrayQueue<>(limits.queued(), 0, limits.queued()), null);
        pool.setName(name);
        pool.setDaemon(true);
        Server server = new Server(pool);
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(2_000);
        return server;
    }

    private static HttpConfiguration config(HttpLimits limits) {
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(limits.maxHeadBytes());
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        // A slow client must send at least this much per second once it has started a request.
        config.setMinRequestDataRate(1024);
        return config;
    }

    private static HttpServer start(Server server, AbstractConnector connector, Handler handler, boolean tls) throws IOException {
        server.setHandler(handler);
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException(e.getMessage(), e);
        }
        return new HttpServer(server, connector, tls);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // failing to start already; the start error is the one to report
        }
    }

    /** The TCP port bound (useful with port 0); -1 for a UNIX socket. */
    public int port() {
        return connector instanceof ServerConnector s ? s.getLocalPort() : -1;
    }

    /** http(s)://host:port of a TCP server. */
    public URI uri() {
        ServerConnector s = (ServerConnector) connector;
        String host = s.getHost() == null || s.getHost().isEmpty() ? "127.0.0.1" : s.getHost();
        return URI.create((tls ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + s.getLocalPort());
    }

    /** Connections open now. */
    public int openConnections() {
        return connector instanceof UnixPeerConnector u ? u.open() : connector.getConnectedEndPoints().size();
    }

    @Override
    public void close() throws IOException {
        try {
            server.stop();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("stopping the HTTP server: " + e.getMessage(), e);
        }
    }
}
