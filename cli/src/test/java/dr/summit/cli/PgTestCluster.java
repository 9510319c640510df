package dr.summit.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb, start and stop as the postgres user
 * (initdb refuses root), on a free loopback port, in a directory of the test's own.
 */
final class PgTestCluster implements AutoCloseable {
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    final Path data;
    final int port;
    final Path socketDir;
    private boolean running;

    private PgTestCluster(Path data, int port, Path socketDir) {
        this.data = data;
        this.port = port;
        this.socketDir = socketDir;
    }

    static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb")) && "root".equals(System.getProperty("user.name"));
    }

    /** Initialises a new cluster in {@code data} (created, owned by postgres) with WAL archiving. */
    static PgTestCluster create(Path data, String archiveCommand, String... initdbOptions) throws Exception {
        Files.createDirectories(data.getParent());
        sh("chown", "postgres:postgres", data.getParent().toString());
        List<String> initdb = new ArrayList<>(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "--data-checksums", "-E", "UTF8", "--locale=C.UTF-8"));
        initdb.addAll(List.of(initdbOptions));
        asPostgres(initdb.toArray(String[]::new));
        PgTestCluster c = attach(data);
        c.configure(List.of(
                "archive_mode = on",
                "archive_command = '" + archiveCommand.replace("'", "''") + "'",
                "wal_level = replica",
                "fsync = off",
                "max_wal_size = 64MB"));
        return c;
    }

    /** A handle on a server someone else started (e.g. 'pg restore --start') in {@code data} on {@code port}. */
    static PgTestCluster alreadyRunning(Path data, int port) {
        PgTestCluster c = new PgTestCluster(data, port, null);
        c.running = true;
        return c;
    }

    /** A cluster for an existing (e.g. restored) data directory, on a new free port. */
    static PgTestCluster attach(Path data) throws Exception {
        Path socketDir = data.resolveSibling(data.getFileName() + "-sock");
        Files.createDirectories(socketDir);
        sh("chown", "postgres:postgres", socketDir.toString());
        PgTestCluster c = new PgTestCluster(data, freePort(), socketDir);
        c.configure(List.of("port = " + c.port, "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + socketDir + "'"));
        return c;
    }

    void configure(List<String> lines) throws IOException {
        Files.writeString(data.resolve("postgresql.conf"), "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
    }

    void start() throws Exception {
        try {
            asPostgres(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolveSibling(data.getFileName() + ".log").toString(),
                    "-w", "-t", "120", "start");
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "\n--- server log\n" + log(), e);
        }
        running = true;
    }

    void stop() throws Exception {
        if (running) {
            asPostgres(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop");
            running = false;
        }
    }

    /** kill -9 of the postmaster, as a machine that dies would leave it (its backends exit when they notice). */
    void killHard() throws Exception {
        String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim();
        sh("kill", "-9", pid);
        running = false;
        for (int i = 0; i < 100 && Files.exists(Path.of("/proc", pid)); i++) {
            Thread.sleep(50);
        }
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    String log() throws IOException {
        Path log = data.resolveSibling(data.getFileName() + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    static String asPostgres(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        cmd.addAll(List.of(command));
        return sh(cmd.toArray(String[]::new));
    }

    static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * A launcher script the postgres user can run: the test classpath (partly under /root, which
     * postgres cannot read) copied to a world-readable directory.
     */
    static Path jvmLauncher(Path work) throws IOException, InterruptedException {
        Path lib = Files.createDirectories(work.resolve("lib"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path copy = lib.resolve((i++) + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                PgTestCluster.sh("cp", "-r", source.toString(), copy.toString());
            } else {
                Files.copy(source, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            entries.add(copy.toString());
        }
        // Only the copied classpath and the work directory itself: secrets beside them stay private.
        PgTestCluster.sh("chmod", "-R", "a+rX", lib.toString());
        PgTestCluster.sh("chmod", "a+rx", work.toString());
        Path script = work.resolve("summit-dr");
        Files.writeString(script, "#!/bin/sh\nexec " + System.getProperty("java.home") + "/bin/java"
                + " --add-opens java.base/sun.nio.fs=ALL-UNNAMED -XX:TieredStopAtLevel=1 -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -cp "
                + String.join(":", entries) + " dr.summit.cli.Main \"$@\"\n");
        PgTestCluster.sh("chmod", "755", script.toString());
        return script;
    }

    /** Waits until the archiver has no segment left to archive (no .ready status files). */
    static void waitUntilArchived(java.sql.Statement st) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("WAL was not archived within 60 s");
    }

    /** Waits until recovery ended and the server was promoted. */
    static void waitUntilPromoted(java.sql.Statement st) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (java.sql.ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("recovery did not finish within 60 s");
    }

    /**
     * Runs 'summit-dr agent' in this JVM (as root) until AgentCommand.stop, allowing the postgres
     * user, with {@code extra} arguments (e.g. --stream); returns once its socket exists, handed to
     * group postgres (the socket is mode 660).
     */
    static Thread startAgent(Path repo, Path password, Path socket, String cluster, Path data, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--socket", socket.toString(), "--cluster", cluster, "--pgdata", data.toString(),
                "--parallel", "4", "--allow-user", "postgres"));
        args.addAll(List.of(extra));
        Thread agent = new Thread(() -> CliTestSupport.run(repo, password, "agent", args.toArray(String[]::new)));
        agent.start();
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            Thread.sleep(100);
        }
        if (!Files.exists(socket)) {
            throw new AssertionError("agent did not create " + socket);
        }
        sh("chgrp", "postgres", socket.toString());
        return agent;
    }

    /** The first column of every row of {@code sql}, as ints. */
    static java.util.List<Integer> ints(java.sql.Statement st, String sql) throws java.sql.SQLException {
        java.util.List<Integer> values = new ArrayList<>();
        try (java.sql.ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getInt(1));
            }
        }
        return values;
    }

    /** The single value of {@code sql}, as a long. */
    static long scalar(java.sql.Statement st, String sql) throws java.sql.SQLException {
        try (java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
