package dr.summit.http;

import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A UNIX-socket connector that closes a connection at accept when too many are open or its peer is not
 * allowed (so a flood costs neither a thread nor a buffer), and that tells {@code onFatal} once when it
 * can no longer accept at all (e.g. out of file descriptors for several seconds): a resident process that
 * silently refuses everything is worse than one that exits and is restarted.
 */
final class UnixPeerConnector extends UnixDomainServerConnector {
    private static final int ACCEPT_FAILURES_FATAL = 50;

    /** Thrown from {@link #configure} for a connection closed on purpose; not an accept failure. */
    private static final class Refused extends IOException {
        Refused() {
            super("refused", null);
        }
    }

    private final Predicate<SocketChannel> peers;
    private final int maxConnections;
    private final Consumer<Throwable> onFatal;
    // Counted here, not from getConnectedEndPoints(): an endpoint joins that set only once its selector
    // has opened it, so during a flood the set lags far behind what was accepted.
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private int failures;
    private volatile boolean fatal;

    UnixPeerConnector(Server server, Predicate<SocketChannel> peers, int maxConnections, Consumer<Throwable> onFatal,
                      ConnectionFactory... factories) {
        super(server, 1, 1, factories);
        this.peers = peers;
        this.maxConnections = maxConnections;
        this.onFatal = onFatal;
        addEventListener(new org.eclipse.jetty.io.Connection.Listener() {
            @Override
            public void onClosed(org.eclipse.jetty.io.Connection connection) {
                open.decrementAndGet();
            }
        });
    }

    int open() {
        return open.get();
    }

    @Override
    protected void configure(SocketChannel channel) throws IOException {
        if (open.get() >= maxConnections || !peers.test(channel)) {
            channel.close();
            throw new Refused();
        }
        super.configure(channel);
        open.incrementAndGet();
    }

    @Override
    protected void accept(int acceptorID) throws IOException {
        try {
            super.accept(acceptorID);
            failures = 0;
        } catch (Refused refused) {
            failures = 0;
        } catch (IOException | VirtualMachineError e) {
            if (!isRunning() || getTransport() == null) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
            if (e instanceof VirtualMachineError || ++failures >= ACCEPT_FAILURES_FATAL) {
                if (!fatal) {
                    fatal = true;
                    onFatal.accept(e instanceof VirtualMachineError ? e
                            : new IOException("accept failed " + failures + " times in a row: " + e.getMessage(), e));
                }
            }
            try {
                Thread.sleep(100); // e.g. out of descriptors: the socket stays readable, so wait a little
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
