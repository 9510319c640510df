package dr.summit.cli;

import dr.summit.monitoring.ComplianceReport;
import dr.summit.monitoring.RepositoryStateReader;
import dr.summit.monitoring.ReportFormat;
import dr.summit.monitoring.Targets;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", description = {"The monthly DR review from what the repository holds: backups per source, drills with RTO/RPO "
        + "against the targets, key rotation, WAL archive lag, audit summary, and a list of findings.",
        "Exit 3 when there are findings (a source behind schedule, rotation due, a failed or missing drill…)."})
final class ReportCommand implements Callable<Integer> {
    enum Format { md, html, json }

    @Mixin RepositoryOptions repository;
    @Spec CommandSpec spec;

    @Option(names = "--since", paramLabel = "PERIOD", defaultValue = "30d",
            description = "Period to report: Nm, Nh, Nd or Nw (default ${DEFAULT-VALUE}).")
    String since;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "md",
            description = "md (Markdown), html (one self-contained page) or json (default ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() {
        Duration period;
        try {
            period = ReportFormat.parsePeriod(since);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        ComplianceReport report;
        try (Repository repo = repository.open()) {
            // Drill reports: the orchestrator keeps them; none are in the repository yet.
            report = ComplianceReport.build(RepositoryStateReader.read(repo, Instant.now()), List.of(), period, Targets.SEED);
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case json -> OutputOptions.printJson(out, report);
            case html -> out.print(ReportFormat.html(report));
            default -> out.print(ReportFormat.markdown(report));
        }
        out.flush();
        return report.findings().isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
    }
}
