package dr.summit.orchestrator.drills;

import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.JobContext;
import dr.summit.orchestrator.jobs.JobFailure;
import dr.summit.orchestrator.records.Json;
import dr.summit.orchestrator.records.Records;
import dr.summit.orchestrator.sources.RecoverableSource;
import dr.summit.orchestrator.sources.RecoveryPlan;
import dr.summit.orchestrator.sources.RecoveryRequest;
import dr.summit.orchestrator.sources.RestoreCheck;
import dr.summit.orchestrator.sources.Sources;
import dr.summit.orchestrator.sources.SourceUnavailable;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The seed's drills, restoring for real into {@code scratchDir/JOB/KIND-NAME} and checking what was
 * written: {@code backup-validation} (the newest backup of every source), {@code pitr-random} (a random
 * recoverable point of every source) and {@code total-data-loss} (everything, one after the other, as
 * after the loss of the site: the RTO is the sum). RTO is measured wall time of restore + verification;
 * RPO is how old the newest restorable point is now (what a disaster at this instant would lose). The
 * report goes to {@code orchestrator/drills/JOB} in the repository, or to {@code reportDir} when the
 * repository cannot be written (a drill needs only read access). Scratch directories are removed.
 */
public final class Drills {
    public static final List<String> SCENARIOS = List.of("backup-validation", "pitr-random", "total-data-loss");

    private final Sources sources;
    private final Records records;
    private final Path scratchDir;
    private final Path reportDir;
    private final OrchestratorEvents events;
    private final Clock clock;
    private final Random random;

    public Drills(Sources sources, Records records, Path scratchDir, Path reportDir, OrchestratorEvents events, Clock clock, Random random) {
        this.sources = sources;
        this.records = records;
        this.scratchDir = scratchDir;
        this.reportDir = reportDir;
        this.events = events;
        this.clock = clock;
        this.random = random;
    }

    public Map<String, Object> run(String scenario, String sourceFilter, JobContext context) throws Exception {
        if (!SCENARIOS.contains(scenario)) {
            throw new IllegalArgumentException("scenario must be one of " + SCENARIOS + ", got '" + scenario + "'");
        }
        List<RecoverableSource> chosen = sources.all().stream()
                .filter(s -> sourceFilter == null || sourceFilter.equals(s.kind()) || sourceFilter.equals(s.kind() + ":" + s.name()))
                .toList();
        Instant started = clock.instant();
        List<Map<String, Object>> results = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long totalRtoMillis = 0;
        long worstRpoMillis = 0;
        Path jobDir = scratchDir.resolve(context.jobId());
        try {
            int i = 0;
            for (RecoverableSource source : chosen) {
                context.checkCancelled();
                context.progress((double) i++ / chosen.size(), 0);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("source", source.kind() + ":" + source.name());
                try {
                    RecoveryPlan newest = source.plan(RecoveryRequest.latest());
                    RecoveryPlan plan = scenario.equals("pitr-random") ? source.randomPoint(random) : newest;
                    r.put("backupId", plan.backupId());
                    r.put("recoversTo", plan.recoversTo());
                    // A source with its own drill target (Neo4j's drill-uri) restores there, not under the scratch directory.
                    Path target = source.restoresIntoDirectory() ? jobDir.resolve(source.kind() + "-" + source.name()) : null;
                    long t0 = System.nanoTime();
                    RestoreCheck check = source.restore(target == null ? plan : plan.withTarget(target.toString()), target, true, context);
                    Duration rto = Duration.ofNanos(System.nanoTime() - t0);
                    Duration rpo = Duration.between(newest.recoversTo(), clock.instant());
                    totalRtoMillis += rto.toMillis();
                    worstRpoMillis = Math.max(worstRpoMillis, rpo.toMillis());
                    r.put("rtoSeconds", rto.toMillis() / 1000.0);
                    r.put("rpoSeconds", rpo.toMillis() / 1000.0);
                    r.put("passed", check.passed());
                    r.put("checks", check.facts());
                    if (!check.passed()) {
                        r.put("problems", check.problems());
                        failures.add(source.kind() + ":" + source.name() + ": " + String.join("; ", check.problems()));
                    }
                    events.drillMeasured(scenario, source.kind() + ":" + source.name(), rto, rpo, check.passed());
                } catch (SourceUnavailable | dr.summit.orchestrator.sources.UnknownBackup e) {
                    r.put("passed", false);
                    r.put("problems", List.of(e.getMessage()));
                    failures.add(source.kind() + ":" + source.name() + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    r.put("passed", false);
                    r.put("problems", List.of(String.valueOf(e.getMessage())));
                    failures.add(source.kind() + ":" + source.name() + ": " + e.getMessage());
                } finally {
                    deleteTree(jobDir.resolve(source.kind() + "-" + source.name()));
                }
                results.add(r);
            }
        } finally {
            deleteTree(jobDir);
        }
        if (chosen.isEmpty()) {
            failures.add("no source to drill" + (sourceFilter == null ? "" : " matches '" + sourceFilter + "'"));
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("scenario", scenario);
        report.put("job", context.jobId());
        report.put("started", started);
        report.put("finished", clock.instant());
        report.put("passed", failures.isEmpty());
        report.put("rtoSeconds", totalRtoMillis / 1000.0);
        report.put("rpoSeconds", worstRpoMillis / 1000.0);
        report.put("sources", results);
        report.put("reportAt", keep(context.jobId(), report));
        if (!failures.isEmpty()) {
            throw new JobFailure("drill " + scenario + " failed: " + String.join(" | ", failures), report);
        }
        return report;
    }

    /** Where the report was kept: the repository if it takes writes, else the report directory. */
    private String keep(String jobId, Map<String, Object> report) throws IOException {
        try {
            records.put("drills/" + jobId, report);
            return "repository:" + Records.PREFIX + "drills/" + jobId;
        } catch (RuntimeException readOnly) {
            Files.createDirectories(reportDir);
            Path file = reportDir.resolve("drill-" + jobId + ".json");
            Path temp = reportDir.resolve(".drill-" + jobId + ".json.tmp");
            Files.write(temp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return file.toString();
        }
    }

    /** The reports the repository holds, newest job last. */
    public List<Map<String, Object>> reports() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : records.list("drills/")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = records.get(name, Map.class);
            out.add(m);
        }
        return out;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                dir.toFile().setWritable(true, true); // restored read-only directories must still be emptied
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
