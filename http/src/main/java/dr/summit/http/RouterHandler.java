package dr.summit.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Serves a {@link Router} on Jetty's core API, one blocking call per request on a worker thread. An
 * {@link HttpError} becomes its status and body ({@code errors} renders it: JSON for the API, plain text
 * for the agent); anything else is logged in one line and answered 500 without its message, so that no
 * internal detail or stack trace reaches a client.
 */
public final class RouterHandler extends Handler.Abstract {
    private final Router router;
    private final long maxBodyBytes;
    private final Function<HttpError, Reply> errors;
    private final Consumer<String> log;

    public RouterHandler(Router router, long maxBodyBytes, Function<HttpError, Reply> errors, Consumer<String> log) {
        this.router = router;
        this.maxBodyBytes = maxBodyBytes;
        this.errors = errors;
        this.log = log;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        // A route's own work (a WAL segment pushed to S3, a restore plan) may outlast the idle timeout,
        // which is there for clients that stall, not for slow storage: keep the exchange while it runs.
        request.addIdleTimeoutListener(timeout -> false);
        Reply reply;
        try {
            Router.Match m = router.match(request.getMethod(), Request.getPathInContext(request));
            reply = m.entry().route().serve(new Exchange(request, Map.copyOf(m.variables()), maxBodyBytes));
        } catch (HttpError e) {
            reply = errors.apply(e);
        } catch (Exception | LinkageError e) {
            log.accept("summit-dr http: " + request.getMethod() + " " + Request.getPathInContext(request) + " failed: "
                    + e.getClass().getSimpleName() + ": " + JsonErrors.oneLine(String.valueOf(e.getMessage())));
            reply = errors.apply(new HttpError(500, "internal error; the server log has the cause"));
        }
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
        boolean head = request.getMethod().equals("HEAD");
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(reply.body()), callback);
        return true;
    }
}
