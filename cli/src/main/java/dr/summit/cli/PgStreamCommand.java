package dr.summit.cli;

import dr.summit.postgres.connect.ConnectionSettingsException;
import dr.summit.postgres.connect.PgConnector;
import dr.summit.postgres.stream.StreamSettings;
import dr.summit.postgres.stream.WalReceiver;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "stream", description = {"Receive WAL by physical replication into the repository as it is written (RPO 0 when named in "
        + "synchronous_standby_names); a flush position is reported only for WAL durable in the repository.",
        "Runs until stopped; reconnects after a lost connection. See docs/operations.md, 'RPO 0 for a primary'."})
final class PgStreamCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin PgCommand.ClusterOption cluster;
    @Spec CommandSpec spec;
    @Option(names = "--dsn", paramLabel = "CONNINFO", description = {"Connection string as libpq takes it, as for 'pg backup' "
            + "(PGHOST, PGPORT, PGUSER, PGSERVICE… fill in the rest; PGHOST may name a socket directory). The role needs REPLICATION."})
    String dsn;
    @Option(names = "--slot", defaultValue = StreamSettings.DEFAULT_SLOT,
            description = "Physical replication slot, created when missing (default ${DEFAULT-VALUE}).")
    String slot;
    @Option(names = "--application-name", defaultValue = StreamSettings.DEFAULT_APPLICATION_NAME,
            description = "Name the primary knows this standby by, for synchronous_standby_names (default ${DEFAULT-VALUE}).")
    String applicationName;

    /** Lets tests stop a running receiver. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        StreamSettings settings;
        PgConnector connector;
        try {
            settings = StreamSettings.defaults(slot);
            connector = PgConnector.forDsn(dsn, Map.of("replication", "true", "application_name", applicationName), RepositoryOptions.env);
        } catch (ConnectionSettingsException | IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        connector.warnings().forEach(w -> err.println("warning: " + w));
        try (Repository repo = repository.openWithWriterLease("summit-dr pg stream")) {
            CountDownLatch myStop = stop;
            new WalReceiver(repo, cluster.cluster, connector, settings, err).run(() -> myStop.getCount() == 0);
        }
        return ExitCodes.OK;
    }
}
