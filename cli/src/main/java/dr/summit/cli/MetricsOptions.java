package dr.summit.cli;

import dr.summit.monitoring.DrMetrics;
import dr.summit.monitoring.MetricsTextfile;
import dr.summit.monitoring.Pushgateway;
import dr.summit.monitoring.RepositoryStateReader;
import dr.summit.repository.Repository;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * {@code --metrics-textfile} and {@code --metrics-push}: a CLI run (cron, CronJob) leaves its metrics
 * for Prometheus. Publishing is best effort by design: whatever goes wrong here is a warning on stderr,
 * never a failed backup.
 */
public final class MetricsOptions {
    @Option(names = "--metrics-textfile", paramLabel = "PATH",
            description = "After the run, write metrics (this run's and the repository's state) to PATH for node_exporter's textfile "
                    + "collector: atomically, merged with what earlier runs wrote there. Failure to write is a warning.")
    Path textfile;

    @Option(names = "--metrics-push", paramLabel = "URL", converter = PushConverter.class,
            description = "After the run, push the same metrics to the Pushgateway at URL (http://HOST:9091), group job=summit-dr, "
                    + "instance=<host name>, command=<this command>. An unreachable gateway is a warning.")
    Pushgateway push;

    /** The body of a command whose failure counts: an error (not a usage mistake) runs {@code onFailure}, then propagates. */
    static Integer countingFailures(java.util.concurrent.Callable<Integer> body, Runnable onFailure) throws Exception {
        try {
            return body.call();
        } catch (CommandFailure e) {
            if (e.exitCode() != ExitCodes.USAGE) {
                onFailure.run();
            }
            throw e;
        } catch (Exception e) {
            onFailure.run();
            throw e;
        }
    }

    boolean enabled() {
        return textfile != null || push != null;
    }

    /**
     * Records this run's events into fresh metrics, adds the repository's state when {@code repo} is
     * open (null after a failure that left none), and writes / pushes them.
     */
    void publish(CommandLine.Model.CommandSpec spec, String command, Repository repo, Consumer<DrMetrics> events) {
        if (!enabled()) {
            return;
        }
        PrintWriter err = spec.commandLine().getErr();
        DrMetrics metrics = new DrMetrics();
        try {
            events.accept(metrics);
            if (repo != null) {
                metrics.refresh(RepositoryStateReader.read(repo, Instant.now()));
            }
        } catch (RuntimeException e) {
            err.println("warning: metrics: cannot read the repository's state: " + Main.oneLine(e));
        }
        if (textfile != null) {
            try {
                MetricsTextfile.write(metrics, textfile);
            } catch (IOException | RuntimeException e) {
                err.println("warning: metrics: cannot write --metrics-textfile " + textfile + ": " + Main.oneLine(e));
            }
        }
        if (push != null) {
            String warning = push.push(metrics, BackupCommand.hostName(), command);
            if (warning != null) {
                err.println("warning: metrics: " + warning);
            }
        }
        err.flush();
    }

    /** A malformed URL is a usage error before anything runs; an unreachable one only a warning after. */
    static final class PushConverter implements CommandLine.ITypeConverter<Pushgateway> {
        @Override
        public Pushgateway convert(String value) {
            try {
                return new Pushgateway(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
