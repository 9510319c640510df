package dr.summit.postgres.agent;

/**
 * A request the agent will not serve (a name or path outside what it archives, another repository
 * or cluster, a restore target that is not empty); answered with {@link #status} (403 unless said
 * otherwise) and one line, and logged.
 */
public final class RequestRefused extends RuntimeException {
    private final int status;

    public RequestRefused(String message) {
        this(403, message);
    }

    public RequestRefused(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
