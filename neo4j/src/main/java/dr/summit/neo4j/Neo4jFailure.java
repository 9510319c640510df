package dr.summit.neo4j;

/** An operator-facing failure of a Neo4j backup or restore: one line that says what and where. */
public class Neo4jFailure extends RuntimeException {
    public Neo4jFailure(String message) {
        super(message);
    }

    public Neo4jFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
