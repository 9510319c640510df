package dr.summit.monitoring;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Pushes metrics to a Prometheus Pushgateway: {@code PUT URL/metrics/job/summit-dr/instance/HOST/command/COMMAND}
 * with the text format (the Pushgateway's documented API; the client library's pushgateway exporter
 * stops at 1.5.x). PUT replaces the group, so each host and command (backup, pg-backup, …) keeps a
 * group of its own and never overwrites another's.
 */
public final class Pushgateway {
    public static final String JOB = "summit-dr";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI base;

    /**
     * @param url {@code http(s)://host:port}, optionally with a path prefix
     * @throws IllegalArgumentException when it is not an http(s) URL
     */
    public Pushgateway(String url) {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--metrics-push " + url + ": not a URL");
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("--metrics-push " + url + ": give http://HOST:PORT of a Pushgateway");
        }
        String s = u.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    /** The URL a push for {@code command} from {@code instance} (the host name) goes to. */
    public URI groupUri(String instance, String command) {
        return URI.create(base + "/metrics/job/" + JOB + "/instance/" + segment(instance) + "/command/" + segment(command));
    }

    /** A grouping-key value as one path segment (the Pushgateway's base64 form is only needed for '/' and empty values). */
    private static String segment(String value) {
        return URLEncoder.encode(value.isEmpty() ? "unknown" : value.replace('/', '_'), StandardCharsets.UTF_8);
    }

    /**
     * Pushes; returns null on success, else a one-line reason (the caller prints it as a warning:
     * an unreachable gateway never fails a backup).
     */
    public String push(DrMetrics metrics, String instance, String command) {
        URI uri = groupUri(instance, command);
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Content-Type", DrMetrics.CONTENT_TYPE)
                    .PUT(HttpRequest.BodyPublishers.ofString(metrics.text())).build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                String body = response.body() == null ? "" : response.body().strip().replaceAll("\\s+", " ");
                return "Pushgateway " + uri + " answered HTTP " + response.statusCode()
                        + (body.isEmpty() ? "" : ": " + body.substring(0, Math.min(200, body.length())));
            }
            return null;
        } catch (IOException e) {
            return "Pushgateway " + uri + " unreachable: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "Pushgateway " + uri + ": interrupted";
        }
    }
}
