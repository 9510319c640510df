package dr.summit.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON error body every 4xx/5xx of the API carries: {@code {"error": "...", "status": N, ...details}}. */
public final class JsonErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonErrors() {
    }

    public static byte[] body(int status, String message, Map<String, ?> details) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message == null || message.isBlank() ? "HTTP " + status : oneLine(message));
        m.put("status", status);
        details.forEach((k, v) -> m.putIfAbsent(k, v));
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            return ("{\"error\":\"HTTP " + status + "\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    public static Reply reply(HttpError e) {
        return Reply.json(e.status(), body(e.status(), e.getMessage(), e.details()));
    }

    static String oneLine(String message) {
        String s = message.replaceAll("[\\r\\n]+", " ").trim();
        return s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }
}
