package dr.summit.orchestrator.jobs;

import dr.summit.repository.lease.Lease;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a job whose records stop at queued or running was left so by a process that stopped (kill -9, a lost
 * host): its holder's claim (a lease, docs/repository-format.md "Claims") is gone or expired. A job saves its final
 * record before it releases its claim, so a claim that is gone while the newest record is unfinished means the
 * holder will not finish it. Pure: the caller reads the lease and re-reads the job (see {@link JobStore}).
 */
public final class JobInterruption {
    private JobInterruption() {
    }

    /**
     * The interrupted view of {@code job}, or empty when it finished, has no holder to judge by, or its holder's
     * lease may still be renewed.
     *
     * @param lease       the holder's lease as the store holds it now; null when it is not there (released or removed)
     * @param holderGone  the lease was written on this machine and its process no longer runs
     * @param maxSkew     how far the holder's clock may differ from ours
     */
    public static Optional<Job> judge(Job job, Lease lease, boolean holderGone, Instant now, Duration maxSkew) {
        Job.Holder h = job.holder();
        if (job.finishedState() || h == null || h.lease() == null) {
            return Optional.empty();
        }
        String who = "'" + h.command() + "' on " + h.host() + " (pid " + h.pid() + ")";
        String was = "job was " + job.state() + (job.phase() == null || job.phase().equals(job.state()) ? "" : " (" + job.phase() + ")");
        Instant since;
        String why;
        if (lease == null) {
            since = null;
            why = "its claim is gone (its lease was removed after it expired or its process ended)";
        } else if (holderGone) {
            since = null;
            why = "that process is no longer running (its lease was last renewed to " + lease.expires() + ")";
        } else if (!lease.mayBeAlive(now, maxSkew)) {
            since = lease.expires();
            why = "its lease expired at " + lease.expires() + " and was not renewed";
        } else {
            return Optional.empty();
        }
        String error = "interrupted: " + who + " stopped while the " + was + "; " + why + "; start it again";
        return Optional.of(job.with(Job.INTERRUPTED, job.phase(), job.progress(), job.bytes(), job.started(), since, error, job.result()));
    }
}
