package dr.summit.orchestrator.sources;

/** A source kind that is not configured or not available in this build (503 with the reason). */
public final class SourceUnavailable extends RuntimeException {
    public SourceUnavailable(String message) {
        super(message, null, false, false);
    }
}
