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
    @Spec CommandSpec spec;

    /** Lets tests stop a running receiver. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        var settings = stream.settings();
        var connector = stream.connector(err);
        try (Repository repo = repository.openWithWriterLease("summit-dr pg stream")) {
            CountDownLatch myStop = stop;
            new WalReceiver(repo, cluster.cluster, connector, settings, err).run(() -> myStop.getCount() == 0);
        }
        return ExitCodes.OK;
    }
}
