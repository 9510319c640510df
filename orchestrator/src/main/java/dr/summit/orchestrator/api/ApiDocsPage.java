package dr.summit.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.orchestrator.records.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/** GET /api/docs: the OpenAPI document as a plain HTML page (no scripts, nothing fetched from elsewhere). */
final class ApiDocsPage {
    private ApiDocsPage() {
    }

    static byte[] render(byte[] openApi) throws IOException {
        JsonNode doc = Json.MAPPER.readTree(openApi);
        StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
                .append(esc(doc.path("info").path("title").asText())).append("</title></head><body><h1>")
                .append(esc(doc.path("info").path("title").asText())).append("</h1><p>")
                .append(esc(doc.path("info").path("description").asText()))
                .append("</p><p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a></p><table border=\"1\" cellpadding=\"4\">")
                .append("<tr><th>Method</th><th>Path</th><th>Role</th><th>What it does</th></tr>");
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                b.append("<tr><td>").append(op.getKey().toUpperCase()).append("</td><td><code>").append(esc(p.getKey()))
                        .append("</code></td><td>").append(esc(op.getValue().path("x-role").asText("none"))).append("</td><td>")
                        .append(esc(op.getValue().path("summary").asText())).append("</td></tr>");
            }
        }
        return b.append("</table></body></html>").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
