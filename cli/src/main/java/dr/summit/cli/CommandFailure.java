package dr.summit.cli;

/** A command-level error with an operator-facing one-line message and an exit code. */
public final class CommandFailure extends RuntimeException {
    private final int exitCode;

    public CommandFailure(String message) {
        this(message, ExitCodes.ERROR);
    }

    public CommandFailure(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
