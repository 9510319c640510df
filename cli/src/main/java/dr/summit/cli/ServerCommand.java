package dr.summit.cli;

import dr.summit.http.PemTls;
import dr.summit.orchestrator.Orchestrator;
import dr.summit.orchestrator.OrchestratorConfig;
import dr.summit.orchestrator.OrchestratorServer;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "server", description = {"Run the recovery orchestrator: the REST API for backups, recoveries and DR drills (docs/operations.md, 'Orchestrator').",
        "State (jobs, tokens, audit log, drill reports) lives in the repository: a restarted or second server sees the same."})
final class ServerCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Spec CommandSpec spec;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9000", paramLabel = "HOST:PORT",
            description = "Address to listen on (default ${DEFAULT-VALUE}; port 0: a free one, printed at start).")
    String listen;
    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS with this certificate chain (with --tls-key).")
    Path tlsCert;
    @Option(names = "--tls-key", paramLabel = "PEM", description = "Unencrypted PKCS#8 private key of --tls-cert.")
    Path tlsKey;

    /** Lets tests stop a running server. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        OrchestratorConfig cfg = OrchestratorCli.config(spec);
        String[] hostPort = OrchestratorCli.hostPort(listen);
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CommandFailure("--tls-cert and --tls-key go together", ExitCodes.USAGE);
        }
        SSLContext ssl;
        try {
            ssl = tlsCert == null ? null : PemTls.serverContext(tlsCert, tlsKey);
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch stopped = stop;
        try (Repository repo = repository.open();
             Orchestrator orchestrator = ServerMetrics.orchestrator(repo, cfg, Clock.systemUTC());
             OrchestratorServer server = OrchestratorServer.start(orchestrator, hostPort[0], Integer.parseInt(hostPort[1]), ssl, line -> {
                 synchronized (err) {
                     err.println(line);
                     err.flush();
                 }
             })) {
            orchestrator.scheduler().start(line -> {
                synchronized (err) {
                    err.println(line);
                    err.flush();
                }
            });
            out.println("summit-dr server listening on " + server.uri() + " (repository " + repo.store().location() + ", sources "
                    + orchestrator.sources().names() + (orchestrator.scheduler().schedules().isEmpty() ? "" : ", schedules "
                    + orchestrator.scheduler().schedules().stream().map(s -> s.id()).toList()) + ")");
            out.flush();
            stopped.await();
        } catch (IOException e) {
            throw new CommandFailure("cannot serve on " + listen + ": " + e.getMessage());
        }
        return ExitCodes.OK;
    }
}
