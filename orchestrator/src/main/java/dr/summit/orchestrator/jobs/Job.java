package dr.summit.orchestrator.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;

/**
 * One job's state as clients and the repository see it. {@code type}: recovery, drill or backup;
 * {@code state}: queued, running, succeeded, failed or cancelled; {@code error} is one line.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String type, String source, String scenario, String target, String state, String phase,
                  double progress, long bytes, Instant created, Instant started, Instant finished, String error,
                  String requestedBy, boolean dryRun, Map<String, Object> result) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    public boolean finishedState() {
        return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    Job with(String newState, String newPhase, double newProgress, long newBytes, Instant newStarted, Instant newFinished,
             String newError, Map<String, Object> newResult) {
        return new Job(id, type, source, scenario, target, newState, newPhase, newProgress, newBytes, created, newStarted,
                newFinished, newError, requestedBy, dryRun, newResult);
    }
}
