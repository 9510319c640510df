package dr.summit.cli;

import dr.summit.repository.NotARepositoryException;
import dr.summit.repository.WrongKeyException;
import dr.summit.repository.snapshot.SnapshotNotFoundException;

/**
 * Process exit codes (README, "Exit codes"). The repository codes follow restic's (10 missing repository, 12 wrong
 * password, 130 interrupted) so scripts written for it keep their meaning.
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    /** The backup committed a snapshot but skipped entries it could not read. */
    public static final int PARTIAL = 3;
    /** No repository at the given location. */
    public static final int NO_REPOSITORY = 10;
    /** No key slot opens with the password or keys given. */
    public static final int WRONG_KEY = 12;
    /** The snapshot, or the path inside it, does not exist. */
    public static final int NOT_FOUND = 13;
    /** Stopped by SIGINT/SIGTERM (128 + 2, as shells report it). */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /** The exit code for an error that ended a command. */
    static int of(Throwable e) {
        if (e instanceof CommandFailure f) {
            return f.exitCode();
        }
        if (e instanceof NotARepositoryException) {
            return NO_REPOSITORY;
        }
        if (e instanceof WrongKeyException) {
            return WRONG_KEY;
        }
        if (e instanceof SnapshotNotFoundException) {
            return NOT_FOUND;
        }
        if (e instanceof InterruptedException) {
            return INTERRUPTED;
        }
        return ERROR;
    }
}
