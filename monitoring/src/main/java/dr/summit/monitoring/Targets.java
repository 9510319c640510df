package dr.summit.monitoring;

/**
 * The recovery objectives the dashboard and the report compare against (seed: RTO 4 h, RPO 5 min),
 * and the schedule expectations behind BackupMissing / DrillOverdue.
 */
public record Targets(double rtoSeconds, double rpoSeconds, int keyRotationDays) {
    public static final Targets SEED = new Targets(4 * 3600, 300, 90);

    public Targets {
        if (!(rtoSeconds > 0) || !(rpoSeconds > 0) || keyRotationDays <= 0) {
            throw new IllegalArgumentException("RTO, RPO and key rotation targets must be positive");
        }
    }
}
