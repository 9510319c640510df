package dr.summit.repository;

/** An object was read but its bytes are damaged: truncated, failed authentication, or malformed. */
public class CorruptObjectException extends RepositoryException {
    public CorruptObjectException(String message) {
        super(message);
    }

    public CorruptObjectException(String message, Throwable cause) {
        super(message, cause);
    }
}
