package dr.summit.monitoring;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every Summit DR metric family, in one Prometheus registry of its own (never the JVM-wide default, so
 * a server and tests can hold several). Callers record what happened ({@link #recordBackup},
 * {@link #recordRecovery}, {@link #recordDrill}) and rebuild the state gauges from the repository
 * ({@link #refresh}); {@link #writeText} prints the Prometheus text format through the client's own
 * writer. Thread-safe: the client's data points are.
 */
public final class DrMetrics {
    /** Content type of {@link #writeText}'s output, for an HTTP {@code /metrics}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, Family> families = new LinkedHashMap<>();

    private final Gauge rtoActual = gauge("dr_rto_actual_seconds", "Time the last recovery (or drill) of a scenario took to complete.", "scenario");
    private final Gauge rpoActual = gauge("dr_rpo_actual_seconds", "Data-loss window the last recovery (or drill) of a scenario measured.", "scenario");
    private final Scalar rtoTarget = scalar("dr_rto_target_seconds", "Recovery time objective.");
    private final Scalar rpoTarget = scalar("dr_rpo_target_seconds", "Recovery point objective.");
    private final Map<Source, Gauge> durations = new LinkedHashMap<>();
    private final Gauge lastSuccess = gauge("dr_backup_last_success_timestamp_seconds", "When the newest successful backup of a source finished (Unix time).", "source");
    private final Gauge lastFailure = gauge("dr_backup_last_failure_timestamp_seconds", "When a backup of a source last failed (Unix time).", "source");
    private final Gauge logicalBytes = gauge("dr_backup_logical_bytes", "Bytes the newest backup of a source would restore.", "source");
    private final Gauge storedBytes = gauge("dr_backup_stored_bytes", "New bytes the newest backup of a source added to the store (after dedup, compression, encryption).", "source");
    private final Scalar repositorySize = scalar("dr_repository_size_bytes", "Ciphertext bytes of all indexed blobs in the repository.");
    private final Scalar snapshots = scalar("dr_repository_snapshots", "Readable snapshots in the repository.");
    private final Scalar walLagSeconds = scalar("dr_wal_archive_lag_seconds", "Seconds since the newest transaction the WAL archive can replay (worst PostgreSQL cluster).");
    private final Scalar walLagBytes = scalar("dr_wal_archive_lag_bytes", "Bytes of WAL the primary has written that the repository does not hold yet.");
    private final Scalar walGapsOpen = scalar("dr_wal_gaps_open", "WAL gaps (acknowledged without being stored, --max-wal-backlog) that no later base backup closes yet.");
    private final Scalar walGapBytes = scalar("dr_wal_gap_bytes", "Bytes of WAL the open gaps cover: no restore target at or after them is reachable.");
    private final Gauge drillLastRun = gauge("dr_drill_last_run_timestamp_seconds", "When a drill scenario last ran (Unix time).", "scenario");
    private final Gauge drillLastSuccess = gauge("dr_drill_last_success_timestamp_seconds", "When a drill scenario last passed (Unix time).", "scenario");
    private final Gauge drillSuccess = gauge("dr_drill_success", "1 when the last run of a drill scenario passed, 0 when it failed.", "scenario");
    private final Gauge keyAge = gauge("dr_key_age_seconds", "Age of the current data key (type=data) and of the oldest key slot (type=slot).", "type");
    private final Scalar keyRotation = scalar("dr_key_rotation_period_seconds", "The repository's data-key rotation policy.");
    private final Scalar keySlots = scalar("dr_key_slots", "Key slots that can open the repository.");
    private final Scalar keyEpochs = scalar("dr_key_epochs", "Data-key epochs kept for reading.");
    private final Scalar verifyLastRun = scalar("dr_verify_last_run_timestamp_seconds", "When 'summit-dr verify' last ran (Unix time).");
    private final Scalar verifySuccess = scalar("dr_verify_success", "1 when the last verify found no error, 0 when it found damage.");
    private final Scalar refreshed = scalar("dr_metrics_refresh_timestamp_seconds", "When the repository-derived gauges were last read (Unix time).");
    private final Counter encryptedFiles = counter("backup_encryption_files_total", "Files stored encrypted (AES-256-GCM) by backups of a source.", "source");
    private final Counter recoveries = counter("dr_recovery_attempts_total", "Recoveries attempted, by source and result.", "source", "result");
    private final Counter failures = counter("backup_failure_total", "Backups that failed, by source.", "source");
    private final Counter drills = counter("dr_drills_total", "DR drills run, by scenario and result.", "scenario", "result");

    public DrMetrics() {
        this(Targets.SEED);
    }

    public DrMetrics(Targets targets) {
        for (Source s : Source.values()) {
            durations.put(s, gauge(s.durationMetric(), "How long the newest " + s.label() + " backup took.", "type"));
        }
        rtoTarget.set(targets.rtoSeconds());
        rpoTarget.set(targets.rpoSeconds());
    }

    /** The registry, for a server that serves it with another exporter. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Names of every family as exposed (counters with their {@code _total}). */
    public List<String> familyNames() {
        return List.copyOf(families.keySet());
    }

    /**
     * A backup run ended. A success sets the source's duration, sizes and last-success time and counts
     * its files as encrypted; a failure counts in {@code backup_failure_total}.
     */
    public void recordBackup(Source source, String type, double durationSeconds, long logical, long stored, long files,
                             boolean ok, Instant finished) {
        String s = source.label();
        if (!ok) {
            failures.labelValues(s).inc();
            lastFailure.labelValues(s).set(seconds(finished));
            return;
        }
        durations.get(source).labelValues(Labels.check("type", type)).set(durationSeconds);
        logicalBytes.labelValues(s).set(logical);
        storedBytes.labelValues(s).set(stored);
        lastSuccess.labelValues(s).set(seconds(finished));
        encryptedFiles.labelValues(s).inc(files);
    }

    /** A real recovery ended: counts the attempt; a success sets the scenario's actual RTO (and RPO when known). */
    public void recordRecovery(String scenario, Source source, double rtoSeconds, double rpoSeconds, boolean ok) {
        Labels.check("scenario", scenario);
        recoveries.labelValues(source.label(), ok ? "success" : "failure").inc();
        if (ok) {
            rtoActual.labelValues(scenario).set(rtoSeconds);
            if (!Double.isNaN(rpoSeconds)) {
                rpoActual.labelValues(scenario).set(rpoSeconds);
            }
        }
    }

    /** A drill ended: sets its scenario's result gauges and, when measured, the actual RTO/RPO. */
    public void recordDrill(DrillResult drill) {
        String scenario = drill.scenario();
        drills.labelValues(scenario, drill.ok() ? "success" : "failure").inc();
        applyDrill(drill);
    }

    /** A repository check ended: whether every object read back authenticated. */
    public void recordVerify(boolean ok, Instant finished) {
        verifyLastRun.set(seconds(finished));
        verifySuccess.set(ok ? 1 : 0);
    }

    /** WAL lag as the primary sees it (the server or {@code pg status} knows the primary's position). */
    public void recordWalLag(double seconds, long bytes) {
        walLagSeconds.set(seconds);
        walLagBytes.set(bytes);
    }

    /** The byte lag alone ({@code pg status}: the primary's position against what the repository holds). */
    public void recordWalLagBytes(long bytes) {
        walLagBytes.set(bytes);
    }

    /** {@link #refresh} from an open repository: what a server calls at start and every few minutes. */
    public void refreshFromRepository(dr.summit.repository.Repository repo, Instant now) {
        refresh(RepositoryStateReader.read(repo, now));
    }

    /**
     * Rebuilds the state gauges from what the repository holds, so that a restarted server or a fresh
     * CLI run reports the same last-success times, sizes and key ages as before. Counters are not
     * touched: they count events of this process (see {@link #carryOver}).
     */
    public void refresh(RepositoryState state) {
        for (RepositoryState.Backup b : state.lastBackups().values()) {
            String s = b.source().label();
            durations.get(b.source()).labelValues(b.type()).set(b.durationSeconds());
            logicalBytes.labelValues(s).set(b.logicalBytes());
            storedBytes.labelValues(s).set(b.storedBytes());
            lastSuccess.labelValues(s).set(seconds(b.finished()));
        }
        repositorySize.set(state.storedBytes());
        snapshots.set(state.snapshotCount());
        if (state.walLagSeconds() != null) {
            walLagSeconds.set(state.walLagSeconds());
        }
        walGapsOpen.set(state.walGapsOpen());
        walGapBytes.set(state.walGapBytes());
        RepositoryState.Keys k = state.keys();
        keyAge.labelValues("data").set(Math.max(0, seconds(state.readAt()) - seconds(k.dataKeyCreated())));
        if (k.oldestSlot() != null) {
            keyAge.labelValues("slot").set(Math.max(0, seconds(state.readAt()) - seconds(k.oldestSlot())));
        }
        keyRotation.set(k.rotationDays() * 86400.0);
        keySlots.set(k.slots());
        keyEpochs.set(k.epochs());
        refreshed.set(seconds(state.readAt()));
    }

    /** Sets the drill gauges from drill reports the caller holds (e.g. the orchestrator's, after a restart). */
    public void refreshDrills(List<DrillResult> results) {
        results.stream().sorted((a, b) -> a.finished().compareTo(b.finished())).forEach(this::applyDrill);
    }

    private void applyDrill(DrillResult drill) {
        String scenario = drill.scenario();
        drillLastRun.labelValues(scenario).set(seconds(drill.finished()));
        drillSuccess.labelValues(scenario).set(drill.ok() ? 1 : 0);
        if (drill.ok()) {
            drillLastSuccess.labelValues(scenario).set(seconds(drill.finished()));
        }
        if (!Double.isNaN(drill.rtoSeconds())) {
            rtoActual.labelValues(scenario).set(drill.rtoSeconds());
        }
        if (!Double.isNaN(drill.rpoSeconds())) {
            rpoActual.labelValues(scenario).set(drill.rpoSeconds());
        }
    }

    /**
     * Takes over the values of an earlier exposition of these families (a text file a previous CLI run
     * wrote): counters continue from there instead of starting at 0, and gauges this run does not set
     * keep their last value (a gauge this run set wins, whether it was set before or after). Lines of
     * unknown families or labels are ignored.
     */
    public void carryOver(String previousText) {
        java.util.Set<String> setHere = new java.util.HashSet<>();
        ExpositionLine.parseAll(text()).forEach(l -> setHere.add(l.series()));
        for (ExpositionLine line : ExpositionLine.parseAll(previousText)) {
            if (setHere.contains(line.series()) && !(families.containsKey(line.name()) && families.get(line.name()).metric() instanceof Counter)) {
                continue;
            }
            Family f = families.get(line.name());
            if (f == null || !f.labelNames().equals(line.labelNames())) {
                continue;
            }
            String[] values = line.labelValues().toArray(new String[0]);
            try {
                if (f.scalar() != null) {
                    f.scalar().set(line.value());
                } else if (f.metric() instanceof Counter c) {
                    c.labelValues(values).inc(line.value());
                } else if (f.metric() instanceof Gauge g) {
                    g.labelValues(values).set(line.value());
                }
            } catch (IllegalArgumentException e) {
                // a negative or NaN counter value from a hand-edited file: not ours to trust
            }
        }
    }

    /** Writes every family in the Prometheus text format (version 0.0.4). */
    public void writeText(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }

    /** {@link #writeText} as a string. */
    public String text() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeText(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private Gauge gauge(String name, String help, String... labels) {
        Gauge g = Gauge.builder().name(name).help(help).labelNames(labels).register(registry);
        families.put(name, new Family(g, null, List.of(labels)));
        return g;
    }

    /**
     * An unlabelled gauge that is absent until set: a plain Gauge would expose 0 from the start, and
     * "WAL lag 0" or "repository size 0" before anything was read would be a false reading.
     */
    private Scalar scalar(String name, String help) {
        Scalar holder = new Scalar();
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            Double v = holder.value;
            if (v != null) {
                cb.call(v);
            }
        }).register(registry);
        families.put(name, new Family(null, holder, List.of()));
        return holder;
    }

    private Counter counter(String name, String help, String... labels) {
        Counter c = Counter.builder().name(name).help(help).labelNames(labels).register(registry);
        families.put(name, new Family(c, null, List.of(labels)));
        return c;
    }

    private static double seconds(Instant t) {
        return t.toEpochMilli() / 1000.0;
    }

    /** Value of an unlabelled gauge; null until set. */
    private static final class Scalar {
        private volatile Double value;

        void set(double v) {
            value = v;
        }
    }

    private record Family(StatefulMetric<?, ?> metric, Scalar scalar, List<String> labelNames) {
        Family {
            labelNames = Collections.unmodifiableList(labelNames);
        }
    }
}
