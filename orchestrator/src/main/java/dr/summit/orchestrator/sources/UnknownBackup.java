package dr.summit.orchestrator.sources;

/** No backup of that id (404). */
public final class UnknownBackup extends RuntimeException {
    public UnknownBackup(String message) {
        super(message, null, false, false);
    }
}
