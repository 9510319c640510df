package dr.summit.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server answers with a 4xx/5xx and a one-line message; {@code details} are extra JSON
 * fields for the client (the field that was wrong, the recoverable window). Never carries a stack trace
 * to the client.
 */
public class HttpError extends RuntimeException {
    private final int status;
    private final Map<String, Object> details;

    public HttpError(int status, String message) {
        this(status, message, Map.of());
    }

    public HttpError(int status, String message, Map<String, ?> details) {
        super(message, null, false, false);
        this.status = status;
        this.details = new LinkedHashMap<>(details);
    }

    public int status() {
        return status;
    }

    public Map<String, Object> details() {
        return details;
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    public static HttpError badField(String field, String message) {
        return new HttpError(400, message, Map.of("field", field));
    }

    public static HttpError notFound(String message) {
        return new HttpError(404, message);
    }
}
