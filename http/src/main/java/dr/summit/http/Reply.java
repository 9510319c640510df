package dr.summit.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A complete response: status, content type, extra headers and body. Routes return one; the router writes it. */
public record Reply(int status, String contentType, Map<String, String> headers, byte[] body) {
    public static Reply text(int status, String body) {
        return new Reply(status, "text/plain; charset=utf-8", Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    public static Reply json(int status, byte[] json) {
        return new Reply(status, "application/json", Map.of(), json);
    }

    public static Reply of(int status, String contentType, byte[] body) {
        return new Reply(status, contentType, Map.of(), body);
    }

    public Reply withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Reply(status, contentType, Map.copyOf(h), body);
    }
}
