package dr.summit.cli;

import dr.summit.monitoring.DrMetrics;
import dr.summit.monitoring.DrillResult;
import dr.summit.monitoring.Source;
import dr.summit.orchestrator.events.MetricsExposition;
import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.repository.Repository;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The server's {@code /metrics}: the monitoring module's {@link DrMetrics} (the seed's metric names), fed by the
 * orchestrator's job and drill events and rebuilt from the repository at most once a minute when scraped, so a
 * restarted server reports the same last-success times, sizes and key ages as before. Wired here because the
 * orchestrator and monitoring modules do not know each other.
 */
final class ServerMetrics implements OrchestratorEvents, MetricsExposition {
    private static final Duration REFRESH = Duration.ofMinutes(1);
    private final DrMetrics metrics = new DrMetrics();
    private final Repository repo;
    private final Clock clock;
    private volatile Instant refreshed = Instant.EPOCH;

    ServerMetrics(Repository repo, Clock clock) {
        this.repo = repo;
        this.clock = clock;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        Instant now = clock.instant();
        if (Duration.between(refreshed, now).compareTo(REFRESH) >= 0) {
            try {
                synchronized (metrics) {
                    metrics.refreshFromRepository(repo, now);
                }
                refreshed = now;
            } catch (RuntimeException e) {
                // a scrape must not fail: the gauges keep their last values, dr_metrics_refresh_timestamp_seconds ages
            }
        }
        metrics.writeText(out);
    }

    /**
     * The newest drill of each scenario as the kept reports say, so DrillOverdue and DrillFailed see the truth
     * after a restart (gauges only: counters count this process's events).
     */
    void seedDrills(java.util.List<java.util.Map<String, Object>> reports) {
        java.util.List<DrillResult> results = new java.util.ArrayList<>();
        for (java.util.Map<String, Object> r : reports) {
            try {
                Instant finished = Instant.parse(String.valueOf(r.get("finished")));
                results.add(new DrillResult(String.valueOf(r.get("scenario")), finished, number(r.get("rtoSeconds")),
                        number(r.get("rpoSeconds")), Boolean.TRUE.equals(r.get("passed"))));
            } catch (RuntimeException unreadable) {
                // a report this version cannot read does not stop the others
            }
        }
        metrics.refreshDrills(results);
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** An orchestrator whose /metrics and events go through the monitoring module. */
    static dr.summit.orchestrator.Orchestrator orchestrator(Repository repo, dr.summit.orchestrator.OrchestratorConfig config, Clock clock) {
        ServerMetrics metrics = new ServerMetrics(repo, clock);
        dr.summit.orchestrator.Orchestrator o = new dr.summit.orchestrator.Orchestrator(repo, config, java.util.List.of(metrics), metrics, clock);
        metrics.seedDrills(o.drillReports());
        return o;
    }

    @Override
    public void jobFinished(Job job, Duration duration) {
        Source source = source(job.source());
        boolean ok = Job.SUCCEEDED.equals(job.state());
        if (source == null || job.dryRun() || Job.CANCELLED.equals(job.state())) {
            return;
        }
        Instant finished = job.finished() != null ? job.finished() : clock.instant();
        if ("backup".equals(job.type())) {
            metrics.recordBackup(source, backupType(source, job), duration.toMillis() / 1000.0, job.bytes(), 0, 0, ok, finished);
            refreshed = Instant.EPOCH;   // sizes and last success come from the new snapshot at the next scrape
        } else if ("recovery".equals(job.type())) {
            metrics.recordRecovery("recovery", source, duration.toMillis() / 1000.0, Double.NaN, ok);
        }
    }

    @Override
    public void drillMeasured(String scenario, String source, Duration rto, Duration rpo, boolean passed) {
        metrics.recordDrill(new DrillResult(scenario, clock.instant(), rto.toMillis() / 1000.0, rpo.toMillis() / 1000.0, passed));
    }

    /** The duration metric's type label, as the CLI's commands set it: files, base (PostgreSQL), full or incremental (Neo4j). */
    static String backupType(Source source, Job job) {
        if (source == Source.FILES) {
            return "files";
        }
        if (source == Source.NEO4J) {
            Object type = job.result() == null ? null : job.result().get("type");
            return "incremental".equals(type) ? "incremental" : "full";
        }
        return "base";
    }

    /** "files:docs", "postgres:main", "neo4j:graph" → the metric's source label; null for anything else. */
    static Source source(String jobSource) {
        if (jobSource == null) {
            return null;
        }
        String kind = jobSource.split(":", 2)[0].toLowerCase(Locale.ROOT);
        for (Source s : Source.values()) {
            if (s.label().equals(kind)) {
                return s;
            }
        }
        return null;
    }
}
