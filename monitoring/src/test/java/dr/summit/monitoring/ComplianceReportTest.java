package dr.summit.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

class ComplianceReportTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static RepositoryState state(Instant dataKeyCreated, RepositoryState.Backup... backups) {
        Map<Source, RepositoryState.Backup> last = new java.util.EnumMap<>(Source.class);
        for (RepositoryState.Backup b : backups) {
            last.put(b.source(), b);
        }
        return new RepositoryState(NOW, last, List.of(backups), 1, backups.length, 30.0,
                new RepositoryState.Keys(dataKeyCreated, 90, NOW.minus(Duration.ofDays(200)), 2, 2));
    }

    private static RepositoryState.Backup backup(Source s, Duration ago) {
        return new RepositoryState.Backup(s, s == Source.POSTGRES ? "base" : "files", "0123abcd", NOW.minus(ago), 5, 1 << 20, 1 << 10, 3);
    }

    @Test
    void anOrderlyMonthHasNoFindingsButTheMissingDrill() {
        ComplianceReport r = ComplianceReport.build(state(NOW.minus(Duration.ofDays(10)), backup(Source.FILES, Duration.ofDays(40)),
                backup(Source.FILES, Duration.ofHours(3)), backup(Source.POSTGRES, Duration.ofHours(20))), List.of(), Duration.ofDays(30), Targets.SEED);
        assertThat(r.findings()).containsExactly("no DR drill on record");
        assertThat(r.backups()).hasSize(2);   // the 40-day-old one is outside the period
        assertThat(r.sources()).extracting(ComplianceReport.SourceSummary::source).containsExactly("files", "postgres");
        assertThat(r.drillNote()).contains("no drill reports");
        assertThat(r.keys().rotationDue()).isFalse();
        assertThat(ReportFormat.markdown(r)).contains("| files | 1 | 1.0 MiB | 1.0 KiB |").contains("## Audit\n\nno audit log");
    }

    @Test
    void staleBackupsDueKeysAndDrillsOverTheObjectivesAreFindings() {
        List<DrillResult> drills = List.of(new DrillResult("full-recovery", NOW.minus(Duration.ofDays(3)), 15_000, 200, true),
                new DrillResult("postgres-pitr", NOW.minus(Duration.ofDays(2)), 600, 400, false));
        ComplianceReport r = ComplianceReport.build(state(NOW.minus(Duration.ofDays(95)), backup(Source.NEO4J, Duration.ofDays(3))),
                drills, Duration.ofDays(30), Targets.SEED);
        assertThat(r.findings()).containsExactly("no neo4j backup for 3 days (expected daily)",
                "full-recovery drill took 15000 s (RTO 14400 s)", "last postgres-pitr drill failed",
                "postgres-pitr drill lost 400 s of data (RPO 300 s)",
                "data key is 95 days old: rotation is due (every 90 days; 'summit-dr key rotate')");
        String html = ReportFormat.html(r);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<td>FAILED</td>").contains("4.2 h ✗").contains("<td>DUE</td>");
    }

    @Test
    void htmlEscapesWhatItShows() {
        RepositoryState.Backup odd = new RepositoryState.Backup(Source.FILES, "files", "<b>&", NOW, 1, 1, 1, 1);
        ComplianceReport r = ComplianceReport.build(state(NOW, odd), List.of(), Duration.ofDays(1), Targets.SEED);
        assertThat(ReportFormat.html(r)).contains("<td>&lt;b&gt;&amp;</td>").doesNotContain("<b>&");
        assertThat(ReportFormat.markdown(ComplianceReport.build(state(NOW), List.of(), Duration.ofDays(1), Targets.SEED)))
                .contains("No backup in the period.");
    }

    @Test
    void periodsAreShortAndExplicit() {
        assertThat(ReportFormat.parsePeriod("30d")).isEqualTo(Duration.ofDays(30));
        assertThat(ReportFormat.parsePeriod("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(ReportFormat.parsePeriod("12h")).isEqualTo(Duration.ofHours(12));
        assertThatThrownBy(() -> ReportFormat.parsePeriod("1 month")).hasMessage("--since 1 month: give a period such as 30d, 12h, 2w or 90m");
        assertThatThrownBy(() -> ReportFormat.parsePeriod("0d")).isInstanceOf(IllegalArgumentException.class);
    }
}
