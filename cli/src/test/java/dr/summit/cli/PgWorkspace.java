package dr.summit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One PostgreSQL test's world: a temporary directory, a repository with a password file, the
 * archive_command to use (through the resident agent or through a JVM launcher the postgres user
 * can run), and the servers started — all torn down by {@link #close}, in reverse order.
 */
final class PgWorkspace implements AutoCloseable {
    final Path work;
    final Path repo;
    final Path password;
    final String cluster;
    private final Deque<PgTestCluster> servers = new ArrayDeque<>();
    private final Function<String, String> savedEnv = RepositoryOptions.env;
    private Thread agent;
    private Path socket;

    private PgWorkspace(Path work, String cluster) throws Exception {
        this.work = work;
        this.cluster = cluster;
        this.repo = work.resolve("repo");
        this.password = CliTestSupport.passwordFile(work.resolve("password"), cluster + "-secret");
        CliTestSupport.ok(repo, password, "init", CliTestSupport.FAST_INIT);
    }

    /** A new workspace; skips the test where PostgreSQL 15 or root is missing. */
    static PgWorkspace create(String cluster) throws Exception {
        assumeTrue(PgTestCluster.available(), "PostgreSQL 15 server binaries and root are needed");
        return new PgWorkspace(Files.createTempDirectory("summit-" + cluster), cluster);
    }

    /**
     * Archiving through a JVM per segment: a launcher the postgres user can run, set as
     * SUMMIT_LAUNCHER so that 'pg restore' writes it into restore_command too.
     */
    String jvmArchiveCommand() throws Exception {
        return useJvmLauncher() + " pg wal-push %p --cluster " + cluster + " --repo " + repo + " --password-file " + password;
    }

    /** From now on 'pg restore' writes a restore_command that runs a JVM launcher the postgres user can run. */
    Path useJvmLauncher() throws Exception {
        Path launcher = PgTestCluster.jvmLauncher(work);
        handToPostgres();
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? launcher.toString() : savedEnv.apply(name);
        return launcher;
    }

    /**
     * Archiving through the resident agent (started here, in this JVM) and the real archive_command
     * client, summit-dr-wal-push (POSIX sh + curl). The launcher copy beside it has no jar and the
     * password file named does not exist, so a fallback to a JVM would fail: every push provably
     * went through the agent.
     */
    String agentArchiveCommand(Path pgdata) throws Exception {
        return agentArchiveCommand(pgdata, false);
    }

    /** The same through the launcher ('summit-dr pg wal-push --agent', which hands over to summit-dr-wal-push) when {@code viaLauncher}. */
    String agentArchiveCommand(Path pgdata, boolean viaLauncher) throws Exception {
        return agentArchiveCommand(pgdata, viaLauncher, new String[0]);
    }

    /** The same with more options for 'summit-dr agent' (e.g. --stream --dsn …). */
    String agentArchiveCommand(Path pgdata, boolean viaLauncher, String... agentOptions) throws Exception {
        Path launcher = work.resolve("summit-dr");
        Path client = work.resolve("summit-dr-wal-push");
        Files.copy(Path.of("..", "summit-dr").toAbsolutePath().normalize(), launcher);
        Files.copy(Path.of("..", "summit-dr-wal-push").toAbsolutePath().normalize(), client);
        PgTestCluster.sh("chmod", "755", launcher.toString(), client.toString(), work.toString());
        socket = work.resolve("agent.sock");
        agent = PgTestCluster.startAgent(repo, password, socket, cluster, pgdata, agentOptions);
        RepositoryOptions.env = name -> name.equals("SUMMIT_LAUNCHER") ? launcher.toString() : savedEnv.apply(name);
        return (viaLauncher ? launcher + " pg wal-push" : client.toString()) + " %p --agent " + socket + " --cluster " + cluster + " --repo " + repo
                + " --password-file /nonexistent";
    }

    Path socket() {
        return socket;
    }

    /** Stops the agent and starts another on the same socket for {@code pgdata} (e.g. a restore target). */
    void restartAgent(Path pgdata, String... agentOptions) throws Exception {
        stopAgent();
        agent = PgTestCluster.startAgent(repo, password, socket, cluster, pgdata, agentOptions);
    }

    private void stopAgent() throws InterruptedException {
        if (agent != null) {
            AgentCommand.stop.countDown();
            agent.join(10_000);
            AgentCommand.stop = new CountDownLatch(1);
            agent = null;
        }
    }

    /** Lets the postgres user (archive_command, restore_command) write the repository and read the password. */
    void handToPostgres() throws Exception {
        PgTestCluster.sh("chown", "-R", "postgres:postgres", repo.toString(), password.toString());
    }

    /** A new cluster in work/NAME archiving with {@code archiveCommand}, started and torn down with the workspace. */
    PgTestCluster startCluster(String name, String archiveCommand) throws Exception {
        PgTestCluster c = track(PgTestCluster.create(work.resolve(name), archiveCommand));
        c.start();
        return c;
    }

    /**
     * Starts a restored data directory on a fresh port and waits until recovery promoted it.
     * Unless {@code keepArchiving}, archiving is switched off first, as a DR drill must not archive
     * into the production cluster's name.
     */
    PgTestCluster startRestored(Path data, boolean keepArchiving) throws Exception {
        if (!keepArchiving) {
            Files.writeString(data.resolve("postgresql.auto.conf"), "\narchive_mode = off\n", java.nio.file.StandardOpenOption.APPEND);
        }
        PgTestCluster server = track(PgTestCluster.attach(data));
        server.start();
        try (java.sql.Connection c = server.connect(); java.sql.Statement st = c.createStatement()) {
            PgTestCluster.waitUntilPromoted(st);
        }
        return server;
    }

    /** Tears {@code server} down with the workspace. */
    PgTestCluster track(PgTestCluster server) {
        servers.push(server);
        return server;
    }

    /** The server's UNIX socket as a libpq connection string (TCP where the socket directory is unknown), as pg backup takes it. */
    String dsn(PgTestCluster server) {
        if (server.socketDir == null) {
            return "postgresql://postgres@127.0.0.1:" + server.port + "/postgres";
        }
        return "host=" + server.socketDir + " port=" + server.port + " user=postgres dbname=postgres";
    }

    CliTestSupport.Run ok(String command, String... rest) {
        return CliTestSupport.ok(repo, password, command, rest);
    }

    CliTestSupport.Run run(String command, String... rest) {
        return CliTestSupport.run(repo, password, command, rest);
    }

    @Override
    public void close() throws Exception {
        while (!servers.isEmpty()) {
            servers.pop().close();
        }
        stopAgent();
        RepositoryOptions.env = savedEnv;
        // An archive_command child that PostgreSQL's immediate shutdown left running may still be writing into the
        // workspace for a moment ("Directory not empty"): try again briefly before calling it a failure.
        for (int attempt = 1; ; attempt++) {
            try {
                PgTestCluster.sh("rm", "-rf", work.toString());
                return;
            } catch (java.io.IOException stillWritten) {
                if (attempt == 10) {
                    throw stillWritten;
                }
                Thread.sleep(500);
            }
        }
    }
}
