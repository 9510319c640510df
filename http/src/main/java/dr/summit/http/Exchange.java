package dr.summit.http;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** One request as routes see it: method, path, path variables, query, headers and a bounded body. */
public final class Exchange {
    private final Request request;
    private final Map<String, String> pathVariables;
    private final long maxBodyBytes;
    private Fields query;

    Exchange(Request request, Map<String, String> pathVariables, long maxBodyBytes) {
        this.request = request;
        this.pathVariables = pathVariables;
        this.maxBodyBytes = maxBodyBytes;
    }

    public String method() {
        return request.getMethod();
    }

    public String path() {
        return Request.getPathInContext(request);
    }

    /** A variable of the route's template ({@code /jobs/{id}}). */
    public String pathVariable(String name) {
        return pathVariables.get(name);
    }

    /** A query parameter, or null; a malformed escape is a 400 naming the parameter. */
    public String query(String name) {
        if (query == null) {
            try {
                query = Request.extractQueryParameters(request);
            } catch (RuntimeException malformed) {
                throw HttpError.badRequest("malformed query string");
            }
        }
        Fields.Field f = query.get(name);
        return f == null ? null : f.getValue();
    }

    /** The query string as sent (still percent-encoded), or "" when there is none. */
    public String rawQuery() {
        String q = request.getHttpURI().getQuery();
        return q == null ? "" : q;
    }

    public String header(String name) {
        return request.getHeaders().get(name);
    }

    /** The client's address as the connector sees it (a UNIX socket has none). */
    public String remote() {
        String addr = Request.getRemoteAddr(request);
        return addr == null || addr.isEmpty() ? "local" : addr;
    }

    /**
     * The peer's credentials on a UNIX-socket connection (SO_PEERCRED: the user that connected), or
     * null on TCP or when the system does not say.
     */
    public jdk.net.UnixDomainPrincipal unixPeer() {
        org.eclipse.jetty.io.EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (endPoint instanceof org.eclipse.jetty.io.SocketChannelEndPoint socket) {
            try {
                return socket.getChannel().getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
            } catch (IOException | UnsupportedOperationException e) {
                return null;
            }
        }
        return null;
    }

    /** The whole body, refused with 413 beyond the server's limit (before it is all read). */
    public byte[] body() throws IOException {
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            throw new HttpError(413, "request body of " + declared + " bytes is over the limit of " + maxBodyBytes);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (bytes.length > maxBodyBytes) {
                throw new HttpError(413, "request body is over the limit of " + maxBodyBytes + " bytes");
            }
            return bytes;
        }
    }

    /** The underlying request, for connection-level facts (peer credentials on a UNIX socket). */
    public Request request() {
        return request;
    }
}
