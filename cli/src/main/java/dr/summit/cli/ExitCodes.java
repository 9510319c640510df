package dr.summit.cli;

/** Process exit codes (README, "Exit codes"). */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    /** The backup committed a snapshot but skipped entries it could not read. */
    public static final int PARTIAL = 3;

    private ExitCodes() {
    }
}
