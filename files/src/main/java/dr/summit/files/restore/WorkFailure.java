package dr.summit.files.restore;

import dr.summit.repository.RepositoryException;

/** What a restore's helper threads threw, given back on the thread that waits for them. */
final class WorkFailure {
    private WorkFailure() {
    }

    /**
     * Rethrows {@code cause} (what an {@link java.util.concurrent.ExecutionException} wraps) when it
     * is unchecked; otherwise returns it as a RepositoryException saying {@code what} failed.
     */
    static RepositoryException unwrap(Throwable cause, String what) {
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        if (cause instanceof InterruptedException) {
            return new RepositoryException("restore interrupted");
        }
        return new RepositoryException(what + ": " + cause.getMessage(), cause);
    }
}
