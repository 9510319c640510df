package dr.summit.monitoring;

import java.time.Instant;

/**
 * One DR drill as the orchestrator ran it: a restore done for real and checked.
 *
 * @param scenario   bounded drill name (e.g. {@code backup-validation}, {@code postgres-pitr})
 * @param finished   when the drill ended
 * @param rtoSeconds how long the recovery took (NaN when it did not get that far)
 * @param rpoSeconds the data-loss window the drill measured (NaN when unknown)
 * @param ok         whether the restored data checked out
 */
public record DrillResult(String scenario, Instant finished, double rtoSeconds, double rpoSeconds, boolean ok) {
    public DrillResult {
        Labels.check("scenario", scenario);
    }
}
