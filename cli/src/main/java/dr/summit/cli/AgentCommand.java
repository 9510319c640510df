package dr.summit.cli;

import dr.summit.postgres.agent.AgentServer;
import dr.summit.postgres.agent.WalAgent;
import dr.summit.postgres.stream.WalReceiver;
import dr.summit.postgres.wal.PushMemory;
import dr.summit.postgres.wal.SealBuffers;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "agent", description = {"Run the resident WAL archive agent of one PostgreSQL cluster (one per database host).",
        "archive_command = 'summit-dr-wal-push %%p --agent SOCKET …' (or 'summit-dr pg wal-push %%p --agent SOCKET …') then starts no JVM; see deploy/systemd/summit-dr-agent.service.",
        "It reads and writes WAL only in --pgdata's pg_wal, and answers only its own user, root and --allow-user (docs/operations.md)."})
final class AgentCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin PgCommand.ClusterOption cluster;
    @Spec CommandSpec spec;

    @Option(names = "--socket", required = true, paramLabel = "PATH",
            description = "UNIX socket to listen on (created mode 660; refused if PATH is another file or a live agent's socket).")
    Path socket;
    @Option(names = "--pgdata", required = true, paramLabel = "DIR",
            description = "Data directory: WAL is pushed only from, and fetched only into, its pg_wal; ready segments are uploaded ahead of archive_command.")
    Path pgdata;
    @Option(names = "--accept-commands", description = "Also run 'pg backup' and 'pg restore' that clients send with --agent "
            + "(in this JVM, with its open repository: no key derivation, a warm JIT); the launcher then adds a command's heap cap to the agent's. "
            + "Only the agent's own user and root may send them (--allow-user peers get 403). Without it such clients run the command in-process.")
    boolean acceptCommands;
    @Option(names = "--parallel", defaultValue = "4", description = "Parallel uploads (default ${DEFAULT-VALUE}).")
    int parallel;
    @Option(names = "--stream", description = "Also run the WAL receiver ('pg stream') in the agent: --dsn, --slot, --application-name as there.")
    boolean streaming;
    @Mixin StreamOptions stream;
    @Mixin ValveOptions valveOptions;

    @Option(names = "--allow-user", paramLabel = "USER|UID",
            description = "Another OS user whose processes may use the agent (repeatable; e.g. postgres when the agent runs as root). Its own user and root always may.")
    List<String> allowUsers = new ArrayList<>();

    @Option(names = "--max-connections", defaultValue = "256", paramLabel = "N",
            description = "Connections open at once; more are closed at accept (default ${DEFAULT-VALUE}).")
    int maxConnections;
    @Option(names = "--request-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Time a client has to send its request before the agent closes the connection (default ${DEFAULT-VALUE}).")
    int requestTimeout;

    /** Lets tests stop a running agent. */
    static volatile CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        Set<UserPrincipal> allowed = allowedUsers();
        if (maxConnections < 1 || requestTimeout < 1) {
            throw new CommandFailure("--max-connections and --request-timeout must be at least 1", ExitCodes.USAGE);
        }

        AgentServer.Limits limits = new AgentServer.Limits(maxConnections, AgentServer.Limits.DEFAULT.workers(),
                AgentServer.Limits.DEFAULT.queued(), java.time.Duration.ofSeconds(requestTimeout));
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch stopped = stop;
        // The valve's gap journal lives beside the socket: the agent's own state directory.
        dr.summit.postgres.stream.BacklogValve valve = valveOptions.valve(repository, cluster.cluster, stream.dsn, pgdata,
                socket.resolveSibling(socket.getFileName() + ".wal-gaps.json"), err);
        try (Repository repo = repository.openWithWriterLease("summit-dr agent");
             // Segments are compressed in a few reused direct buffers, no more at once than half the
             // cores (uploads, --parallel, may be more); sealed copies in flight hold at most half
             // of a WAL-only agent's heap beside the agent's own (docs/architecture.md, "Memory").
             WalAgent agent = new WalAgent(archive(repo), pgdata, parallel);
             AgentServer server = new AgentServer(agent, socket, allowed, journal(err), e -> { }, limits, commands(repo, agent, err))) {
            if (valve != null) {
                agent.valve(valve, repo);
            }
            spec.commandLine().getOut().println("summit-dr agent for cluster " + cluster.cluster + " listening on " + server.socket());
            spec.commandLine().getOut().flush();
            Thread receiver = streaming ? startReceiver(repo, agent, valve, err, () -> stopped.getCount() == 0 || server.failure() != null) : null;
            // The agent idles for hours between bursts: hand back what start-up used (the key
            // derivation's 64 MiB direct buffer is freed only by a collection, which an idle JVM
            // may never run) before the first wait (docs/architecture.md, "Memory").
            System.gc();
            // Idle after a burst: the seal buffers go too, a new burst allocates them again.
            IdleHeapTrim trim = IdleHeapTrim.systemGc(TimeUnit.SECONDS.toNanos(10), sealBuffers::trim);
            while (!stopped.await(200, TimeUnit.MILLISECONDS) && server.failure() == null) {
                // serving until stopped or failed; a command running counts as activity throughout
                trim.poll(agent.activity() + (commands == null ? 0 : commands.activity()));
            }
            if (receiver != null) {
                receiver.join();
            }
            if (server.failure() != null) {
                // Exit non-zero: Restart= in the unit starts a fresh agent (a live process that no
                // longer accepts would leave archive_command falling back to a JVM forever).
                throw new CommandFailure("the agent can no longer accept connections (" + Main.oneLine(server.failure())
                        + "); exiting so that the service manager restarts it");
            }
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage());
        }
        return ExitCodes.OK;
    }

    private SealBuffers sealBuffers;
    private PushMemory pushMemory;
    private PgAgentJobs commands;

    /** pg backup/restore --agent, with --accept-commands: run here, with this open repository (no key derivation, a warm JIT). */
    private java.util.Map<String, dr.summit.postgres.agent.AgentServer.Job> commands(Repository repo, WalAgent agent, PrintWriter err) {
        if (!acceptCommands) {
            return java.util.Map.of();
        }
        commands = new PgAgentJobs(repo, repository.location(), agent, journal(err));
        return commands.jobs();
    }

    private WalArchive archive(Repository repo) {
        WalArchive archive = new WalArchive(repo, cluster.cluster);
        // Half the cores: compressing WAL runs at hundreds of MB/s a core, far above what a
        // server writes; the rest of the time a push waits for the store.
        // At most 4 (64 MiB of 16 MiB segments): the launcher caps direct memory at 96 MiB.
        sealBuffers = archive.newSealBuffers(Math.max(1, Math.min(4, Math.min(parallel, Runtime.getRuntime().availableProcessors() / 2))));
        // The budget of a WAL-only agent's heap (64 MiB; 256 with --stream), even when the launcher
        // gave a larger one for --accept-commands: pushes must not grow into what a backup needs.
        pushMemory = PushMemory.forAgentHeap(Math.min(Runtime.getRuntime().maxMemory(), (streaming ? 256L : 64L) << 20));
        return archive.buffers(sealBuffers).memory(pushMemory);
    }

    /**
     * The receiver beside the archive service. When it stops on an error (the stream and the
     * repository disagree) archiving goes on: the error is logged and the primary's commits wait,
     * which its monitoring sees.
     */
    private Thread startReceiver(Repository repo, WalAgent agent, dr.summit.postgres.stream.BacklogValve valve, PrintWriter err, java.util.function.BooleanSupplier stopping) {
        WalReceiver receiver = new WalReceiver(repo, cluster.cluster, stream.connector(err), stream.settings(), err).valve(valve)
                .sealBuffers(sealBuffers, pushMemory);
        agent.streamStatus(receiver::status);
        Thread t = new Thread(() -> {
            try {
                receiver.run(stopping);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                synchronized (err) {
                    err.println("summit-dr agent: WAL receiver stopped: " + e.getMessage());
                    err.flush();
                }
            }
        }, "wal-receiver");
        t.start();
        return t;
    }

    private static java.util.function.Consumer<String> journal(PrintWriter err) {
        return line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
    }

    private Set<UserPrincipal> allowedUsers() {
        Set<UserPrincipal> users = new HashSet<>();
        for (String user : allowUsers) {
            try {
                users.add(FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user));
            } catch (UserPrincipalNotFoundException e) {
                throw new CommandFailure("--allow-user " + user + ": no such user", ExitCodes.USAGE);
            } catch (IOException e) {
                throw new CommandFailure("--allow-user " + user + ": " + e.getMessage(), ExitCodes.USAGE);
            }
        }
        return users;
    }
}
