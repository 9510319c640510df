package dr.summit.cli;

import dr.summit.postgres.agent.AgentServer;
import dr.summit.postgres.agent.WalAgent;
import dr.summit.postgres.stream.WalReceiver;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "agent", description = {"Run the resident WAL archive agent of one PostgreSQL cluster (one per database host).",
        "archive_command = 'summit-dr-wal-push %p --agent SOCKET …' (or 'summit-dr pg wal-push %p --agent SOCKET …') then starts no JVM; see deploy/systemd/summit-dr-agent.service."})
final class AgentCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin PgCommand.ClusterOption cluster;
    @Spec CommandSpec spec;

    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "UNIX socket to listen on (mode 660).")
    Path socket;
    @Option(names = "--pgdata", paramLabel = "DIR", description = "Data directory: upload segments as soon as they are ready, ahead of archive_command.")
    Path pgdata;
    @Option(names = "--parallel", defaultValue = "4", description = "Parallel uploads (default ${DEFAULT-VALUE}).")
    int parallel;
    @Option(names = "--stream", description = "Also run the WAL receiver ('pg stream') in the agent: --dsn, --slot, --application-name as there.")
    boolean streaming;
    @Mixin StreamOptions stream;

    /** Lets tests stop a running agent. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        try (Repository repo = repository.openWithWriterLease("summit-dr agent");
             WalAgent agent = new WalAgent(new WalArchive(repo, cluster.cluster), pgdata == null ? null : pgdata.resolve("pg_wal"), parallel);
             AgentServer server = new AgentServer(agent, socket)) {
            spec.commandLine().getOut().println("summit-dr agent for cluster " + cluster.cluster + " listening on " + server.socket());
            spec.commandLine().getOut().flush();
            CountDownLatch myStop = stop;
            Thread receiver = streaming ? startReceiver(repo, myStop) : null;
            myStop.await();
            if (receiver != null) {
                receiver.join();
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The receiver beside the archive service. When it stops on an error (the stream and the
     * repository disagree) archiving goes on: the error is logged and the primary's commits wait,
     * which its monitoring sees.
     */
    private Thread startReceiver(Repository repo, CountDownLatch myStop) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        WalReceiver receiver = new WalReceiver(repo, cluster.cluster, stream.connector(err), stream.settings(), err);
        Thread t = new Thread(() -> {
            try {
                receiver.run(() -> myStop.getCount() == 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                err.println("summit-dr agent: WAL receiver stopped: " + e.getMessage());
                err.flush();
            }
        }, "wal-receiver");
        t.start();
        return t;
    }
}
