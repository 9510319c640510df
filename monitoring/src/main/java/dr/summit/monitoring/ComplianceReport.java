package dr.summit.monitoring;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The seed's monthly review in one value: backups of the period per source, drills with RTO/RPO against
 * the targets, key rotation, WAL archive lag, and the audit summary when there is one. Pure: built
 * from a {@link RepositoryState} and the drill reports the caller holds; rendered by {@link ReportFormat}.
 *
 * @param findings  one line per thing that needs an operator's attention (empty: all in order)
 */
public record ComplianceReport(Instant generated, Instant since, Targets targets, List<SourceSummary> sources,
                               List<RepositoryState.Backup> backups, List<DrillSummary> drills, String drillNote,
                               KeyStatus keys, Double walLagSeconds, String auditNote, List<String> findings) {

    /**
     * Backups of one source within the period.
     *
     * @param newestAgeSeconds age of the newest backup of all time (null: never backed up)
     */
    public record SourceSummary(String source, int backups, long logicalBytes, long storedBytes, Instant newest,
                                Double newestAgeSeconds, boolean withinSchedule) {
    }

    /** The newest run of a drill scenario, against the objectives. */
    public record DrillSummary(String scenario, int runs, int failures, Instant lastRun, boolean lastOk, Double rtoSeconds,
                               Double rpoSeconds, boolean rtoMet, boolean rpoMet) {
    }

    public record KeyStatus(long dataKeyAgeDays, int rotationDays, boolean rotationDue, Long oldestSlotAgeDays, int slots, int epochs) {
    }

    /** Backups are expected daily (seed); a source whose newest success is older than this is behind. */
    public static final Duration SCHEDULE_SLACK = Duration.ofHours(26);

    public static ComplianceReport build(RepositoryState state, List<DrillResult> drillReports, Duration period, Targets targets) {
        Instant now = state.readAt();
        Instant since = now.minus(period);
        List<String> findings = new ArrayList<>();
        List<RepositoryState.Backup> inPeriod = state.backups().stream().filter(b -> !b.finished().isBefore(since)).toList();
        List<SourceSummary> sources = new ArrayList<>();
        for (Source s : Source.values()) {
            List<RepositoryState.Backup> mine = inPeriod.stream().filter(b -> b.source() == s).toList();
            RepositoryState.Backup newest = state.lastBackups().get(s);
            if (newest == null) {
                continue;   // a source this repository does not protect
            }
            double age = Duration.between(newest.finished(), now).toMillis() / 1000.0;
            boolean within = age <= SCHEDULE_SLACK.toSeconds();
            if (!within) {
                findings.add("no " + s.label() + " backup for " + days(age) + " (expected daily)");
            }
            sources.add(new SourceSummary(s.label(), mine.size(), mine.stream().mapToLong(RepositoryState.Backup::logicalBytes).sum(),
                    mine.stream().mapToLong(RepositoryState.Backup::storedBytes).sum(), newest.finished(), age, within));
        }
        if (sources.isEmpty()) {
            findings.add("the repository holds no backup");
        }
        List<DrillSummary> drills = drills(drillReports, since, targets, findings);
        String drillNote = drillReports.isEmpty()
                ? "no drill reports: none are held in the repository yet (the orchestrator records its drills; run one with 'summit-dr drill')"
                : null;
        if (drillReports.isEmpty()) {
            findings.add("no DR drill on record");
        }
        RepositoryState.Keys k = state.keys();
        long dataAge = Duration.between(k.dataKeyCreated(), now).toDays();
        boolean due = dataAge >= k.rotationDays();
        if (due) {
            findings.add("data key is " + dataAge + " days old: rotation is due (every " + k.rotationDays() + " days; 'summit-dr key rotate')");
        }
        Long slotAge = k.oldestSlot() == null ? null : Duration.between(k.oldestSlot(), now).toDays();
        if (state.walLagSeconds() != null && state.walLagSeconds() > targets.rpoSeconds()) {
            findings.add(String.format("WAL archive lag %.0f s exceeds the RPO of %.0f s (on an idle database this is expected)",
                    state.walLagSeconds(), targets.rpoSeconds()));
        }
        String auditNote = "no audit log in this repository (the orchestrator keeps it; recoveries made with the CLI alone are not audited)";
        return new ComplianceReport(now, since, targets, sources, inPeriod, drills, drillNote,
                new KeyStatus(dataAge, k.rotationDays(), due, slotAge, k.slots(), k.epochs()), state.walLagSeconds(), auditNote, findings);
    }

    private static List<DrillSummary> drills(List<DrillResult> reports, Instant since, Targets targets, List<String> findings) {
        Map<String, List<DrillResult>> byScenario = new TreeMap<>();
        reports.stream().filter(d -> !d.finished().isBefore(since)).sorted(Comparator.comparing(DrillResult::finished))
                .forEach(d -> byScenario.computeIfAbsent(d.scenario(), x -> new ArrayList<>()).add(d));
        List<DrillSummary> out = new ArrayList<>();
        byScenario.forEach((scenario, runs) -> {
            DrillResult last = runs.get(runs.size() - 1);
            Double rto = Double.isNaN(last.rtoSeconds()) ? null : last.rtoSeconds();
            Double rpo = Double.isNaN(last.rpoSeconds()) ? null : last.rpoSeconds();
            boolean rtoMet = rto != null && rto <= targets.rtoSeconds();
            boolean rpoMet = rpo != null && rpo <= targets.rpoSeconds();
            if (!last.ok()) {
                findings.add("last " + scenario + " drill failed");
            }
            if (rto != null && !rtoMet) {
                findings.add(String.format("%s drill took %.0f s (RTO %.0f s)", scenario, rto, targets.rtoSeconds()));
            }
            if (rpo != null && !rpoMet) {
                findings.add(String.format("%s drill lost %.0f s of data (RPO %.0f s)", scenario, rpo, targets.rpoSeconds()));
            }
            out.add(new DrillSummary(scenario, runs.size(), (int) runs.stream().filter(d -> !d.ok()).count(), last.finished(), last.ok(),
                    rto, rpo, rtoMet, rpoMet));
        });
        return out;
    }

    private static String days(double seconds) {
        return seconds >= 2 * 86400 ? String.format("%.0f days", seconds / 86400) : String.format("%.0f hours", seconds / 3600);
    }
}
