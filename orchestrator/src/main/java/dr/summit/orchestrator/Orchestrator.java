package dr.summit.orchestrator;

import dr.summit.orchestrator.access.Tokens;
import dr.summit.orchestrator.audit.AuditLog;
import dr.summit.orchestrator.drills.Drills;
import dr.summit.orchestrator.events.MetricsExposition;
import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.events.PlainMetrics;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.orchestrator.jobs.JobStore;
import dr.summit.orchestrator.records.Records;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.orchestrator.sources.FilesSource;
import dr.summit.orchestrator.sources.Neo4jSource;
import dr.summit.orchestrator.sources.PostgresSource;
import dr.summit.orchestrator.sources.RecoverableSource;
import dr.summit.orchestrator.sources.Sources;
import dr.summit.repository.Repository;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The orchestrator's services over one open repository, as the server and the CLI use them: sources,
 * jobs, drills, tokens, audit log, events and metrics. Metrics and listeners are seeded from the jobs
 * the repository holds, so a restarted server reports what happened before it started.
 */
public final class Orchestrator implements AutoCloseable {
    private final Repository repo;
    private final OrchestratorConfig config;
    private final Records records;
    private final Sources sources;
    private final JobStore jobStore;
    private final JobRunner jobs;
    private final Tokens tokens;
    private final AuditLog audit;
    private final Drills drills;
    private final MetricsExposition metrics;
    private final Clock clock;
    private dr.summit.orchestrator.notify.WebhookNotifier notifier;
    private final dr.summit.orchestrator.schedule.Scheduler scheduler;

    /** The server's services: its jobs' claims name "summit-dr server". */
    public Orchestrator(Repository repo, OrchestratorConfig config, List<OrchestratorEvents> listeners, MetricsExposition metrics, Clock clock) {
        this(repo, config, listeners, metrics, clock, dr.summit.orchestrator.jobs.Claims.SERVER);
    }

    /**
     * @param command the program whose jobs these are ("summit-dr drill run" from the CLI): the holder their claims
     *                name, so a server refused by one of them says which process on which host holds the target
     */
    public Orchestrator(Repository repo, OrchestratorConfig config, List<OrchestratorEvents> listeners, MetricsExposition metrics, Clock clock,
                        String command) {
        this.repo = repo;
        this.config = config;
        this.clock = clock;
        this.records = new Records(repo);
        this.sources = new Sources(sources(repo, config));
        this.jobStore = new JobStore(records);
        this.tokens = new Tokens(records, clock);
        this.audit = new AuditLog(records, clock);
        List<OrchestratorEvents> all = new ArrayList<>(listeners);
        PlainMetrics plain = null;
        if (metrics == null) {
            plain = new PlainMetrics();
            all.add(plain);
            metrics = plain;
        }
        all.add(new AuditedOutcomes(audit));
        if (!config.webhooks().isEmpty()) {
            notifier = new dr.summit.orchestrator.notify.WebhookNotifier(config.webhooks(), 5, Duration.ofSeconds(2),
                    line -> System.err.println(line));
            all.add(notifier);
        }
        OrchestratorEvents events = OrchestratorEvents.all(all);
        this.jobs = new JobRunner(jobStore, events, clock, 2, dr.summit.orchestrator.jobs.Claims.in(repo, command));
        Path scratch = Path.of(config.scratchDir() != null ? config.scratchDir() : System.getProperty("java.io.tmpdir") + "/summit-dr-drills");
        Path reports = Path.of(config.reportDir() != null ? config.reportDir() : System.getProperty("java.io.tmpdir") + "/summit-dr-reports");
        this.drills = new Drills(sources, records, scratch, reports, events, clock, new SecureRandom());
        if (plain != null) {
            seed(plain);
        }
        this.scheduler = new dr.summit.orchestrator.schedule.Scheduler(config.checkedSchedules(), this::launch, jobStore, records, events, clock);
        MetricsExposition base = metrics;
        // The schedules' gauges follow whichever exposition serves /metrics (the monitoring module's or the plain one).
        this.metrics = out -> {
            base.write(out);
            out.write(scheduler.metricsText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
    }

    /**
     * Backs up a configured source now (files, a PostgreSQL base backup or a Neo4j backup, each with the service the
     * CLI's command runs); a backup of the same source already running, on this or another server, is answered instead.
     */
    public JobRunner.Submitted submitBackup(RecoverableSource source, String requestedBy, String idempotencyKey) {
        String id = source.kind() + ":" + source.name();
        JobRunner.Spec spec = new JobRunner.Spec("backup", id, null, source instanceof FilesSource f ? f.path() : null, false, requestedBy,
                "backup:" + id, true, idempotencyKey);
        return jobs.submit(spec, source::backUp);
    }

    /** Runs a drill; one of the same scenario already running is answered instead. */
    public JobRunner.Submitted submitDrill(String scenario, String sourceFilter, String requestedBy, String idempotencyKey) {
        JobRunner.Spec spec = new JobRunner.Spec("drill", sourceFilter, scenario, null, false, requestedBy, "drill:" + scenario, true, idempotencyKey);
        return jobs.submit(spec, ctx -> drills.run(scenario, sourceFilter, ctx));
    }

    /**
     * Runs the next slice of the rolling verify; one already running is answered instead. The position is
     * chosen when the run starts (not when queued), from the runs the repository records.
     */
    public JobRunner.Submitted submitVerify(int slicePercent, String requestedBy) {
        JobRunner.Spec spec = new JobRunner.Spec("verify", null, null, null, false, requestedBy, "verify", true, null);
        return jobs.submit(spec, ctx -> dr.summit.orchestrator.schedule.RollingVerify.run(repo,
                dr.summit.orchestrator.schedule.RollingVerify.next(jobStore.all(), slicePercent, clock.instant()), ctx));
    }

    private JobRunner.Submitted launch(dr.summit.orchestrator.schedule.Schedule s) {
        return switch (s.kind()) {
            case "backup" -> submitBackup(sources.all().stream().filter(x -> s.source().equals(x.kind() + ":" + x.name())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no source " + s.source())), s.requester(), null);
            case "drill" -> submitDrill(s.scenario(), s.source(), s.requester(), null);
            default -> submitVerify(s.slicePercent(), s.requester());
        };
    }

    /** The schedules (the server starts their thread; tests tick them by hand). */
    public dr.summit.orchestrator.schedule.Scheduler scheduler() {
        return scheduler;
    }

    /** The drill reports kept in the repository (or the report directory), for metrics rebuilt after a restart. */
    public List<Map<String, Object>> drillReports() {
        return drills.reports();
    }

    /** Rebuilds the plain metrics from the repository: finished jobs and each source's last drill. */
    private void seed(PlainMetrics plain) {
        try {
            for (Job j : jobStore.all()) {
                if (j.finishedState() && j.started() != null) {
                    // an interrupted job may not know when it stopped (its holder's lease is gone): no duration
                    plain.jobFinished(j, j.finished() == null ? Duration.ZERO : Duration.between(j.started(), j.finished()));
                }
            }
            for (Map<String, Object> report : drills.reports()) {
                Object list = report.get("sources");
                if (list instanceof List<?> entries) {
                    for (Object o : entries) {
                        if (o instanceof Map<?, ?> m && m.get("rtoSeconds") instanceof Number rto && m.get("rpoSeconds") instanceof Number rpo) {
                            plain.drillMeasured(String.valueOf(report.get("scenario")), String.valueOf(m.get("source")),
                                    Duration.ofMillis((long) (rto.doubleValue() * 1000)), Duration.ofMillis((long) (rpo.doubleValue() * 1000)),
                                    Boolean.TRUE.equals(m.get("passed")));
                        }
                    }
                }
            }
        } catch (RuntimeException unreadable) {
            // a damaged record must not keep the server from starting; status shows the jobs it can read
        }
    }

    private static List<RecoverableSource> sources(Repository repo, OrchestratorConfig config) {
        List<RecoverableSource> list = new ArrayList<>();
        for (OrchestratorConfig.FilesEntry f : config.files()) {
            list.add(new FilesSource(repo, f.name(), f.path()));
        }
        for (OrchestratorConfig.PostgresEntry p : config.postgres()) {
            list.add(new PostgresSource(repo, p.name(), p.cluster(), p.restoreCommand(), p.pgBin() == null ? null : Path.of(p.pgBin()),
                    p.dsn(), p.pgdata() == null ? null : Path.of(p.pgdata())));
        }
        for (OrchestratorConfig.Neo4jEntry n : config.neo4j()) {
            String password = n.passwordFile() == null ? null : readPassword(n);
            list.add(new Neo4jSource(repo, n.name(), new Neo4jConnection.Settings(n.uri(), n.user(), password, n.database()),
                    n.drillUri() == null ? null : new Neo4jConnection.Settings(n.drillUri(), n.user(), password, n.database()),
                    n.fullEveryDuration()));
        }
        if (config.files().isEmpty()) {
            list.add(new FilesSource(repo, "files", null)); // with no config, every files snapshot is restorable
        }
        return list;
    }

    /** The first line of the password file (a trailing newline is not part of the password). */
    private static String readPassword(OrchestratorConfig.Neo4jEntry n) {
        try {
            return java.nio.file.Files.readString(Path.of(n.passwordFile())).lines().findFirst().orElse("");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("[[neo4j]] '" + n.name() + "': cannot read password-file " + n.passwordFile()
                    + " (" + e.getClass().getSimpleName().replace("Exception", "") + ")");
        }
    }

    public Repository repository() {
        return repo;
    }

    public OrchestratorConfig config() {
        return config;
    }

    public Records records() {
        return records;
    }

    public Sources sources() {
        return sources;
    }

    public JobStore jobStore() {
        return jobStore;
    }

    public JobRunner jobs() {
        return jobs;
    }

    public Tokens tokens() {
        return tokens;
    }

    public AuditLog audit() {
        return audit;
    }

    public Drills drills() {
        return drills;
    }

    public MetricsExposition metrics() {
        return metrics;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        scheduler.close();
        jobs.close();
        if (notifier != null) {
            notifier.close();
        }
    }
}
