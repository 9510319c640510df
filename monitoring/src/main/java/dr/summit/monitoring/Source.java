package dr.summit.monitoring;

/**
 * What a backup protects; the {@code source} label of every per-source family. A closed set, so the
 * label can never carry an id or a path.
 */
public enum Source {
    FILES("files", "file_backup_duration_seconds"),
    POSTGRES("postgres", "postgres_base_backup_duration_seconds"),
    NEO4J("neo4j", "neo4j_backup_duration_seconds");

    private final String label;
    private final String durationMetric;

    Source(String label, String durationMetric) {
        this.label = label;
        this.durationMetric = durationMetric;
    }

    /** The label value ({@code files}, {@code postgres}, {@code neo4j}). */
    public String label() {
        return label;
    }

    /** The seed's duration family for this source. */
    public String durationMetric() {
        return durationMetric;
    }

    /** The source a snapshot kind belongs to ({@code files}, {@code s3}, {@code postgres}, {@code neo4j}…), or null. */
    public static Source ofSnapshotKind(String kind) {
        if (kind == null) {
            return null;
        }
        return switch (kind) {
            case "files", "s3" -> FILES;
            case "postgres" -> POSTGRES;
            default -> kind.startsWith("neo4j") ? NEO4J : null;
        };
    }
}
