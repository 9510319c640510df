package dr.summit.orchestrator.sources;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * What a recovery would do, decided before anything is written (the answer to {@code dryRun: true}):
 * the backup chosen, the WAL range to replay (PostgreSQL), the bytes to read, an estimated duration and
 * the point in time the data will reflect. {@code handle} is the source's own reference to the backup.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecoveryPlan(String source, String kind, String backupId, Instant backupTime, Instant recoversTo,
                          String walRange, long bytesToRead, long estimatedSeconds, String target,
                          @JsonIgnore Object handle) {
    /** Throughput assumed for the estimate (restore and verify of this repository on modest hardware). */
    public static final long ESTIMATE_BYTES_PER_SECOND = 100L << 20;

    public static long estimate(long bytes) {
        return Math.max(1, (bytes + ESTIMATE_BYTES_PER_SECOND - 1) / ESTIMATE_BYTES_PER_SECOND);
    }

    public RecoveryPlan withTarget(String newTarget) {
        return new RecoveryPlan(source, kind, backupId, backupTime, recoversTo, walRange, bytesToRead, estimatedSeconds, newTarget, handle);
    }
}
