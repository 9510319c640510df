package dr.summit.cli;

import dr.summit.monitoring.DrMetrics;
import dr.summit.monitoring.MetricsTextfile;
import dr.summit.monitoring.RepositoryStateReader;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

@Command(name = "metrics", description = {"Print the metrics the repository itself supports, in the Prometheus text format: newest backup "
        + "per source (time, duration, sizes), repository size, WAL archive lag, key ages, RTO/RPO targets.",
        "Run it from cron with --textfile for node_exporter's textfile collector; the server serves the same families at /metrics."})
final class MetricsCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec CommandSpec spec;

    @Option(names = "--textfile", paramLabel = "PATH",
            description = "Write to PATH (atomically, merged with what backup runs wrote there) instead of standard output.")
    Path textfile;

    @Override
    public Integer call() throws IOException {
        DrMetrics metrics = new DrMetrics();
        try (Repository repo = repository.open()) {
            metrics.refresh(RepositoryStateReader.read(repo, Instant.now()));
        }
        if (textfile == null) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(metrics.text());
            out.flush();
            return ExitCodes.OK;
        }
        try {
            MetricsTextfile.write(metrics, textfile);
        } catch (IOException e) {
            // Here writing the file is the whole job: an error, unlike --metrics-textfile after a backup.
            throw new CommandFailure("--textfile " + textfile + ": cannot write: " + Main.oneLine(e));
        }
        spec.commandLine().getOut().println("metrics written to " + textfile.toAbsolutePath());
        return ExitCodes.OK;
    }
}
