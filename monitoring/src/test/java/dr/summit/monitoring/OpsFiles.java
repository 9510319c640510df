package dr.summit.monitoring;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where the shipped ops files are, and which of our metric names a query mentions. */
final class OpsFiles {
    /** The repository root (tests run in monitoring/). */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path PROMETHEUS = ROOT.resolve("ops/observability/prometheus");
    static final Path GRAFANA = ROOT.resolve("ops/observability/grafana");

    /** Identifiers that look like metric names of ours; PromQL functions and label names do not match these prefixes. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:dr|backup|postgres|neo4j|file)_[a-z0-9_]+)\\b");

    private OpsFiles() {
    }

    static Set<String> metricsIn(String query) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(query.replaceAll("\"[^\"]*\"", "\"\""));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Exposed series names: a family's own name (and for histograms their _bucket/_sum/_count; we have none). */
    static Set<String> exported(DrMetrics metrics) {
        Set<String> names = new TreeSet<>();
        ExpositionLine.parseAll(metrics.text()).forEach(l -> names.add(l.name()));
        return names;
    }

    /** A metrics object with every family recorded once, as a long-running server would have it. */
    static DrMetrics everythingRecorded() {
        java.time.Instant now = java.time.Instant.parse("2026-12-06T12:00:00Z");
        DrMetrics m = new DrMetrics();
        for (Source s : Source.values()) {
            m.recordBackup(s, "full", 10, 100, 50, 3, true, now);
            m.recordBackup(s, "full", 1, 0, 0, 0, false, now);
            m.recordRecovery("restore", s, 60, 5, true);
            m.recordRecovery("restore", s, 60, 5, false);
        }
        m.recordDrill(new DrillResult("backup-validation", now, 100, 10, true));
        m.recordDrill(new DrillResult("postgres-pitr", now, 100, 10, false));
        m.recordWalLag(12, 4096);
        RepositoryState.Backup b = new RepositoryState.Backup(Source.FILES, "files", "00000000", now, 1, 1, 1, 1);
        m.refresh(new RepositoryState(now, java.util.Map.of(Source.FILES, b), java.util.List.of(b), 1, 1, 3.0,
                new RepositoryState.Keys(now, 90, now, 1, 1)));
        return m;
    }
}
