package dr.summit.repository;

/**
 * Base of every error the repository reports to an operator. The message is one line that says
 * what failed and where (object name, pack id, file), so the CLI can print it as is.
 */
public class RepositoryException extends RuntimeException {
    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
