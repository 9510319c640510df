package dr.summit.orchestrator.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;

/**
 * One job's state as clients and the repository see it. {@code type}: recovery, drill or backup;
 * {@code state}: queued, running, succeeded, failed or cancelled; {@code error} is one line. A reader reports
 * {@code interrupted} for a job whose records stop at queued or running while its holder's claim is gone
 * ({@link JobInterruption}); that state is never written.
 *
 * @param holder the process whose claim the job holds (absent: a job without a claim, or one recorded before
 *               holders were), so that any reader can tell when it stopped
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String type, String source, String scenario, String target, String state, String phase,
                  double progress, long bytes, Instant created, Instant started, Instant finished, String error,
                  String requestedBy, boolean dryRun, Map<String, Object> result, Holder holder) {

    /** The process running a job: its claim's lease (docs/repository-format.md "Claims"), host, pid and program. */
    public record Holder(String lease, String host, long pid, String command) {
    }

    /** A job without a holder (tests of the runner alone). */
    public Job(String id, String type, String source, String scenario, String target, String state, String phase,
               double progress, long bytes, Instant created, Instant started, Instant finished, String error,
               String requestedBy, boolean dryRun, Map<String, Object> result) {
        this(id, type, source, scenario, target, state, phase, progress, bytes, created, started, finished, error, requestedBy,
                dryRun, result, null);
    }

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    /** Reported, never recorded: the job's holder stopped before it finished (its claim expired or is gone). */
    public static final String INTERRUPTED = "interrupted";

    public boolean finishedState() {
        return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state) || INTERRUPTED.equals(state);
    }

    Job withHolder(Holder newHolder) {
        return new Job(id, type, source, scenario, target, state, phase, progress, bytes, created, started, finished, error, requestedBy,
                dryRun, result, newHolder);
    }

    Job with(String newState, String newPhase, double newProgress, long newBytes, Instant newStarted, Instant newFinished,
             String newError, Map<String, Object> newResult) {
        return new Job(id, type, source, scenario, target, newState, newPhase, newProgress, newBytes, created, newStarted,
                newFinished, newError, requestedBy, dryRun, newResult, holder);
    }
}
