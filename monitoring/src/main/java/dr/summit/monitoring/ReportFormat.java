package dr.summit.monitoring;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders a {@link ComplianceReport} as Markdown or as a self-contained HTML page (JSON: serialize the record). */
public final class ReportFormat {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    /** Backups listed one by one, newest first; the totals above count them all. */
    static final int MAX_LISTED = 50;

    private ReportFormat() {
    }

    /** A report as rows of cells: one model for both formats, so they cannot drift apart. */
    private record Section(String title, List<String> header, List<List<String>> rows, String note) {
    }

    private static List<Section> sections(ComplianceReport r) {
        List<Section> out = new ArrayList<>();
        List<List<String>> findings = new ArrayList<>();
        r.findings().forEach(f -> findings.add(List.of(f)));
        out.add(new Section("Findings", List.of("needs attention"), findings, r.findings().isEmpty() ? "All in order." : null));
        List<List<String>> sources = new ArrayList<>();
        for (ComplianceReport.SourceSummary s : r.sources()) {
            sources.add(List.of(s.source(), Integer.toString(s.backups()), bytes(s.logicalBytes()), bytes(s.storedBytes()),
                    time(s.newest()), ago(s.newestAgeSeconds()), s.withinSchedule() ? "yes" : "NO"));
        }
        out.add(new Section("Backups", List.of("source", "backups", "logical", "stored (new)", "newest", "age", "within 26 h"), sources,
                sources.isEmpty() ? "The repository holds no backup." : "Failed runs are not recorded in the repository: see backup_failure_total."));
        List<List<String>> list = new ArrayList<>();
        List<RepositoryState.Backup> backups = new ArrayList<>(r.backups());
        java.util.Collections.reverse(backups);
        for (RepositoryState.Backup b : backups.subList(0, Math.min(MAX_LISTED, backups.size()))) {
            list.add(List.of(time(b.finished()), b.source().label(), b.type(), b.shortId(), String.format(Locale.ROOT, "%.1f s", b.durationSeconds()),
                    bytes(b.logicalBytes()), bytes(b.storedBytes())));
        }
        out.add(new Section("Backups in the period" + (backups.size() > MAX_LISTED ? " (newest " + MAX_LISTED + " of " + backups.size() + ")" : ""),
                List.of("finished", "source", "type", "snapshot", "duration", "logical", "stored (new)"), list,
                list.isEmpty() ? "No backup in the period." : null));
        List<List<String>> drills = new ArrayList<>();
        for (ComplianceReport.DrillSummary d : r.drills()) {
            drills.add(List.of(d.scenario(), Integer.toString(d.runs()), Integer.toString(d.failures()), time(d.lastRun()), d.lastOk() ? "passed" : "FAILED",
                    d.rtoSeconds() == null ? "–" : seconds(d.rtoSeconds()) + (d.rtoMet() ? " ✓" : " ✗"),
                    d.rpoSeconds() == null ? "–" : seconds(d.rpoSeconds()) + (d.rpoMet() ? " ✓" : " ✗")));
        }
        out.add(new Section("Drills (RTO target " + seconds(r.targets().rtoSeconds()) + ", RPO target " + seconds(r.targets().rpoSeconds()) + ")",
                List.of("scenario", "runs", "failed", "last run", "result", "RTO", "RPO"), drills, r.drillNote()));
        ComplianceReport.KeyStatus k = r.keys();
        out.add(new Section("Encryption keys", List.of("item", "value"), List.of(
                List.of("data key age", k.dataKeyAgeDays() + " days (rotate every " + k.rotationDays() + ")"),
                List.of("rotation", k.rotationDue() ? "DUE" : "not due"),
                List.of("key slots", k.slots() + (k.oldestSlotAgeDays() == null ? "" : ", oldest " + k.oldestSlotAgeDays() + " days")),
                List.of("data keys kept for reading", Integer.toString(k.epochs()))), null));
        out.add(new Section("WAL archive", List.of("item", "value"), List.of(List.of("lag", r.walLagSeconds() == null
                ? "no PostgreSQL WAL in this repository" : seconds(r.walLagSeconds()) + " (RPO " + seconds(r.targets().rpoSeconds()) + ")")), null));
        out.add(new Section("Audit", List.of(), List.of(), r.auditNote()));
        return out;
    }

    public static String markdown(ComplianceReport r) {
        StringBuilder b = new StringBuilder();
        b.append("# Summit DR compliance report\n\n");
        b.append("Period: ").append(time(r.since())).append(" to ").append(time(r.generated())).append("\n");
        for (Section s : sections(r)) {
            b.append("\n## ").append(s.title()).append("\n\n");
            if (!s.rows().isEmpty()) {
                b.append("| ").append(String.join(" | ", s.header())).append(" |\n");
                b.append("|").append(" --- |".repeat(s.header().size())).append("\n");
                for (List<String> row : s.rows()) {
                    b.append("| ").append(String.join(" | ", row.stream().map(c -> c.replace("|", "\\|")).toList())).append(" |\n");
                }
                if (s.note() != null) {
                    b.append("\n");
                }
            }
            if (s.note() != null) {
                b.append(s.note()).append("\n");
            }
        }
        return b.toString();
    }

    public static String html(ComplianceReport r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Summit DR compliance report</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                        + "padding:.3em .6em;text-align:left}th{background:#eee}</style></head><body>\n")
                .append("<h1>Summit DR compliance report</h1>\n<p>Period: ").append(esc(time(r.since()))).append(" to ")
                .append(esc(time(r.generated()))).append("</p>\n");
        for (Section s : sections(r)) {
            b.append("<h2>").append(esc(s.title())).append("</h2>\n");
            if (!s.rows().isEmpty()) {
                b.append("<table><tr>");
                s.header().forEach(h -> b.append("<th>").append(esc(h)).append("</th>"));
                b.append("</tr>\n");
                for (List<String> row : s.rows()) {
                    b.append("<tr>");
                    row.forEach(c -> b.append("<td>").append(esc(c)).append("</td>"));
                    b.append("</tr>\n");
                }
                b.append("</table>\n");
            }
            if (s.note() != null) {
                b.append("<p>").append(esc(s.note())).append("</p>\n");
            }
        }
        return b.append("</body></html>\n").toString();
    }

    /** {@code 30d}, {@code 12h}, {@code 2w}, {@code 90m}: the report's period. */
    public static Duration parsePeriod(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9][0-9]{0,5})([mhdw])").matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("--since " + text + ": give a period such as 30d, 12h, 2w or 90m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String time(Instant t) {
        return t == null ? "–" : TIME.format(t);
    }

    private static String ago(Double seconds) {
        return seconds == null ? "–" : seconds(seconds) + " ago";
    }

    static String seconds(double s) {
        if (s < 120) {
            return String.format(Locale.ROOT, "%.0f s", s);
        }
        if (s < 7200) {
            return String.format(Locale.ROOT, "%.0f min", s / 60);
        }
        if (s < 2 * 86400) {
            return String.format(Locale.ROOT, "%.1f h", s / 3600);
        }
        return String.format(Locale.ROOT, "%.1f days", s / 86400);
    }

    static String bytes(long n) {
        return dr.summit.repository.format.HumanSizes.bytes(n);
    }
}
