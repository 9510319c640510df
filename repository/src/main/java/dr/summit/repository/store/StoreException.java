package dr.summit.repository.store;

import dr.summit.repository.RepositoryException;

/** An object store operation failed (I/O error, disk full, unreachable). */
public class StoreException extends RepositoryException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
