package dr.summit.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Method + path template ({@code /api/v1/jobs/{id}}) to a {@link Route}. Literal segments win over
 * variables; a path that matches with another method is a 405, nothing at all a 404. Pure: no I/O.
 */
public final class Router {
    /** One declared route, as the OpenAPI document lists it. */
    public record Entry(String method, String template, Route route) {
        String[] segments() {
            return template.split("/", -1);
        }
    }

    /** The route that matched and the path variables it bound. */
    public record Match(Entry entry, Map<String, String> variables) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public Router add(String method, String template, Route route) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("route template must start with '/': " + template);
        }
        for (Entry e : entries) {
            if (e.method().equals(method) && e.template().equals(template)) {
                throw new IllegalArgumentException("route declared twice: " + method + " " + template);
            }
        }
        entries.add(new Entry(method, template, route));
        return this;
    }

    public Router get(String template, Route route) {
        return add("GET", template, route);
    }

    public Router post(String template, Route route) {
        return add("POST", template, route);
    }

    public Router delete(String template, Route route) {
        return add("DELETE", template, route);
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The best route for the request; a 404 or 405 {@link HttpError} when there is none. */
    public Match match(String method, String path) {
        String[] parts = path.split("/", -1);
        Match best = null;
        int bestLiterals = -1;
        boolean otherMethod = false;
        for (Entry e : entries) {
            String[] t = e.segments();
            if (t.length != parts.length) {
                continue;
            }
            Map<String, String> vars = new LinkedHashMap<>();
            int literals = 0;
            boolean ok = true;
            for (int i = 0; i < t.length && ok; i++) {
                if (t[i].startsWith("{") && t[i].endsWith("}")) {
                    ok = !parts[i].isEmpty();
                    vars.put(t[i].substring(1, t[i].length() - 1), parts[i]);
                } else {
                    ok = t[i].equals(parts[i]);
                    literals++;
                }
            }
            if (!ok) {
                continue;
            }
            if (!e.method().equals(method) && !(method.equals("HEAD") && e.method().equals("GET"))) {
                otherMethod = true;
                continue;
            }
            if (literals > bestLiterals) {
                best = new Match(e, vars);
                bestLiterals = literals;
            }
        }
        if (best != null) {
            return best;
        }
        if (otherMethod) {
            throw new HttpError(405, "method " + method + " is not allowed on " + path);
        }
        throw new HttpError(404, "unknown route " + path);
    }
}
