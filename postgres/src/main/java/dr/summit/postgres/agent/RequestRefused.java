package dr.summit.postgres.agent;

/** A request the agent will not serve (a name or path outside what it archives); answered 403 and logged. */
public final class RequestRefused extends RuntimeException {
    public RequestRefused(String message) {
        super(message);
    }
}
