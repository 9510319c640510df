package dr.summit.neo4j.plugin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The running capture of each database, for the procedures (which Neo4j instantiates per call). */
final class CaptureRegistry {
    record Capture(ChangeLog log, ChangeCapture listener) {
    }

    private static final Map<String, Capture> BY_DATABASE = new ConcurrentHashMap<>();

    private CaptureRegistry() {
    }

    static void put(String database, Capture capture) {
        BY_DATABASE.put(database, capture);
    }

    static void remove(String database, Capture capture) {
        BY_DATABASE.remove(database, capture);
    }

    static Capture get(String database) {
        Capture c = BY_DATABASE.get(database);
        if (c == null) {
            throw new IllegalStateException("summit-dr capture is not running for database '" + database
                    + "' (the plugin's extension did not start: see the server's debug.log)");
        }
        return c;
    }
}
