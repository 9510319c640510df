package dr.summit.orchestrator;

import dr.summit.http.HttpLimits;
import dr.summit.http.HttpServer;
import dr.summit.http.JsonErrors;
import dr.summit.http.RouterHandler;
import dr.summit.orchestrator.api.Api;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.util.function.Consumer;

/** The orchestrator's HTTP server: the {@link Api} on the shared, hardened server (module http), optionally TLS. */
public final class OrchestratorServer implements AutoCloseable {
    private final HttpServer server;

    private OrchestratorServer(HttpServer server) {
        this.server = server;
    }

    /** Starts listening on host:port (0: a free port); {@code ssl} null for plain HTTP. */
    public static OrchestratorServer start(Orchestrator orchestrator, String host, int port, SSLContext ssl, Consumer<String> log) throws IOException {
        HttpLimits limits = HttpLimits.DEFAULT;
        RouterHandler handler = new RouterHandler(new Api(orchestrator).router(), limits.maxBodyBytes(), JsonErrors::reply, log);
        return new OrchestratorServer(HttpServer.tcp(host, port, limits, ssl, handler, "summit-api"));
    }

    public URI uri() {
        return server.uri();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
