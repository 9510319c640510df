package dr.summit.cli;

import dr.summit.postgres.agent.AgentServer;
import dr.summit.postgres.agent.WalAgent;
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

    /** Lets tests stop a running agent. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        try (Repository repo = repository.openWithWriterLease("summit-dr agent");
             WalAgent agent = new WalAgent(new WalArchive(repo, cluster.cluster), pgdata == null ? null : pgdata.resolve("pg_wal"), parallel);
             AgentServer server = new AgentServer(agent, socket)) {
            spec.commandLine().getOut().println("summit-dr agent for cluster " + cluster.cluster + " listening on " + server.socket());
            spec.commandLine().getOut().flush();
            stop.await();
        }
        return ExitCodes.OK;
    }
}
