package dr.summit.cli;

import dr.summit.postgres.stream.WalReceiver;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "stream", description = {"Receive WAL by physical replication into the repository as it is written (RPO 0 when named in "
        + "synchronous_standby_names); a flush position is reported only for WAL durable in the repository.",
        "Runs until stopped; reconnects after a lost connection. See docs/operations.md, 'RPO 0 for a primary'."})
final class PgStreamCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin PgCommand.ClusterOption cluster;
    @Mixin StreamOptions stream;
    @Mixin ValveOptions valveOptions;
    @Spec CommandSpec spec;
    @picocli.CommandLine.Option(names = "--pgdata", paramLabel = "DIR",
            description = "Data directory of the primary, for the base backup that closes a WAL gap (--max-wal-backlog; default: $PGDATA).")
    java.nio.file.Path pgdata;

    /** Lets tests stop a running receiver. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        var settings = stream.settings();
        var connector = stream.connector(err);
        java.nio.file.Path data = pgdata;
        if (data == null && RepositoryOptions.env.apply("PGDATA") != null) {
            data = java.nio.file.Path.of(RepositoryOptions.env.apply("PGDATA"));
        }
        var valve = valveOptions.valve(repository, cluster.cluster, stream.dsn, data, defaultJournal(cluster.cluster), err);
        try (Repository repo = repository.openWithWriterLease("summit-dr pg stream")) {
            CountDownLatch myStop = stop;
            // A closing base backup still running when the receiver stops is abandoned (its snapshot
            // is written last, so nothing half-written remains); the next start takes it again.
            new WalReceiver(repo, cluster.cluster, connector, settings, err).valve(valve).run(() -> myStop.getCount() == 0);
        }
        return ExitCodes.OK;
    }

    /** $XDG_STATE_HOME/summit-dr/CLUSTER.wal-gaps.json, ~/.local/state when unset. */
    static java.nio.file.Path defaultJournal(String cluster) {
        String state = RepositoryOptions.env.apply("XDG_STATE_HOME");
        java.nio.file.Path dir = state != null && !state.isBlank() ? java.nio.file.Path.of(state)
                : java.nio.file.Path.of(System.getProperty("user.home"), ".local", "state");
        return dir.resolve("summit-dr").resolve(cluster + ".wal-gaps.json");
    }
}
