package dr.summit.postgres.connect;

/**
 * The server could not be reached or refused us: one line naming the socket or host, port, user
 * and database tried, and the server's own words.
 */
public final class ConnectionFailedException extends RuntimeException {
    public ConnectionFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
