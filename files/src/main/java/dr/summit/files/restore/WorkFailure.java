package dr.summit.files.restore;

import dr.summit.repository.RepositoryException;

/** What a restore's helper threads threw, given back on the thread that waits for them; and their end. */
final class WorkFailure {
    private static final long STOP_WAIT_SECONDS = 60;

    private WorkFailure() {
    }

    /**
     * Interrupts {@code threads} and waits for them to end. A restore that stops early (a failed
     * batch, an interrupt) must not leave workers writing: they write through
     * {@code /proc/PID/fd/N} of directories the restore closes next, and a closed descriptor's
     * number can be given to another directory. Waits even if this thread is interrupted (and
     * keeps the interrupt); a thread stuck past a minute is left, as nothing more can be done.
     */
    static void stopAndWait(java.util.concurrent.ExecutorService threads) {
        threads.shutdownNow();
        boolean interrupted = false;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(STOP_WAIT_SECONDS);
        while (!threads.isTerminated() && System.nanoTime() < deadline) {
            try {
                threads.awaitTermination(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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
