package dr.summit.repository.snapshot;

import dr.summit.repository.RepositoryException;

/** No snapshot answers to the id, prefix or "latest" asked for (the CLI's exit code 13). */
public final class SnapshotNotFoundException extends RepositoryException {
    public SnapshotNotFoundException(String message) {
        super(message);
    }
}
