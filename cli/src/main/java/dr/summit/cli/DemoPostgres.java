package dr.summit.cli;

import dr.summit.files.backup.Archiver;
import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.connect.ConnectionEnvironment;
import dr.summit.postgres.connect.ConnectionResolver;
import dr.summit.postgres.connect.PgConnector;
import dr.summit.postgres.restore.PgCatalogue;
import dr.summit.postgres.restore.PgRestore;
import dr.summit.postgres.restore.RecoveryRunner;
import dr.summit.postgres.restore.RecoveryTarget;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's PostgreSQL part, run when PostgreSQL 15's server binaries are installed: a throwaway
 * cluster archiving WAL into a repository through {@code pg wal-push}, a base backup, rows
 * committed before and after a chosen moment, a point-in-time restore to that moment, and a check
 * that exactly the rows committed before it came back. As root the server runs as the postgres
 * user (initdb refuses root), in a directory under /tmp that user can reach.
 */
final class DemoPostgres {
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final String CLUSTER = "demo";

    private final PrintWriter out;
    private final boolean root = "root".equals(System.getProperty("user.name"));

    DemoPostgres(PrintWriter out) {
        this.out = out;
    }

    static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_ctl"));
    }

    /** Runs the round trip; returns whether the restored rows are exactly the expected ones. */
    boolean run() throws Exception {
        Path work = Files.createTempDirectory("summit-demo-pg");
        Path data = work.resolve("pgdata");
        Path restored = work.resolve("restored");
        try {
            Path repo = work.resolve("repository");
            Path password = work.resolve("password");
            Files.writeString(password, "demo-pg-password\n");
            Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Repository.init(new LocalDirectoryStore(repo), "demo-pg-password".toCharArray(), Repository.InitOptions.DEFAULT).close();
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            // A script, not the java command line itself: PostgreSQL 15 cuts archive_command after 1024 bytes.
            Path launcher = work.resolve("summit-dr");
            Files.writeString(launcher, "#!/bin/sh\nexec " + javaBin + " --add-opens java.base/sun.nio.fs=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp "
                    + portableClassPath(work.resolve("lib")) + " dr.summit.cli.Main \"$@\"\n");
            Files.setPosixFilePermissions(launcher, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            String cli = launcher.toString();
            String repoArgs = " --cluster " + CLUSTER + " --repo " + repo + " --password-file " + password;
            sh("chmod", "-R", "a+rX", work.toString());
            sh("chmod", "600", password.toString());
            if (root) {
                sh("chown", "-R", "postgres:postgres", work.toString());
            }
            int port = freePort();
            asOwner(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust", "--data-checksums",
                    "-E", "UTF8", "--locale=C.UTF-8");
            Files.writeString(data.resolve("postgresql.conf"), String.join("\n", List.of("",
                    "port = " + port, "listen_addresses = ''", "unix_socket_directories = '" + work + "'",
                    "archive_mode = on", "archive_timeout = 60", "wal_level = replica",
                    "archive_command = '" + cli + " pg wal-push %p" + repoArgs + "'")) + "\n", StandardOpenOption.APPEND);
            asOwner(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", work.resolve("pgdata.log").toString(), "-w", "start");
            out.printf("9. PostgreSQL 15 cluster on socket %s/.s.PGSQL.%d only, archive_command = summit-dr pg wal-push%n", work, port);

            Instant target;
            // The socket only, as on a database host; the PG* variables of whoever runs the demo stay out.
            PgConnector server = new PgConnector(new ConnectionResolver(ConnectionEnvironment.system(name -> null))
                    .resolve("host='" + work.toString().replace("\\", "\\\\").replace("'", "\\'") + "' port=" + port
                            + " user=postgres dbname=postgres"));
            try (Connection c = server.open(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (n int PRIMARY KEY, placed timestamptz DEFAULT clock_timestamp())");
                st.execute("INSERT INTO orders (n) SELECT generate_series(1, 100)");
                try (Repository r = Repository.open(new LocalDirectoryStore(repo), "demo-pg-password".toCharArray())) {
                    Archiver.Options options = Archiver.Options.defaults("demo-host", System.getProperty("user.name"), "summit-dr " + Main.VERSION);
                    Snapshot backup = new BaseBackup(r, options, CLUSTER).run(c, data, null).snapshot();
                    out.printf("10. pg backup: snapshot %s, %s of data files, WAL %s–%s%n", backup.shortId(),
                            Sizes.bytes(backup.summary().totalBytes()), backup.attribute(BaseBackup.START_LSN), backup.attribute(BaseBackup.STOP_LSN));
                }
                st.execute("INSERT INTO orders (n) SELECT generate_series(101, 200)");
                Thread.sleep(1100);
                target = Instant.now();
                Thread.sleep(1100);
                st.execute("INSERT INTO orders (n) SELECT generate_series(201, 300)");
                st.execute("SELECT pg_switch_wal()");
                waitUntilArchived(st);
            }
            asOwner(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "stop");
            out.printf("11. committed orders 1–200, then %s, then orders 201–300; WAL archived; server stopped%n", target);

            long t0 = System.nanoTime();
            try (Repository r = Repository.open(new LocalDirectoryStore(repo), "demo-pg-password".toCharArray())) {
                RecoveryTarget pitr = new RecoveryTarget(target, null, null, null, false, true, null, "promote");
                PgCatalogue.Catalogue catalogue = new PgCatalogue(r, CLUSTER).read();
                out.printf("    pg list: recoverable %s (the end is the last commit read from the archived WAL)%n",
                        catalogue.windows().stream().map(w -> w.from() + " .. " + w.to()).toList());
                PgRestore restore = new PgRestore(r, CLUSTER);
                restore.restore(restore.choose(pitr), restored, pitr, cli + " pg wal-fetch %f %p" + repoArgs);
            }
            if (root) {
                sh("chown", "postgres:postgres", restored.toString());
            }
            new RecoveryRunner(BIN).startAndWait(restored, "promote", 120_000);
            List<Integer> rows = new ArrayList<>();
            try (Connection c = server.open(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT min(n), max(n), count(*) FROM orders")) {
                rs.next();
                rows.add(rs.getInt(1));
                rows.add(rs.getInt(2));
                rows.add(rs.getInt(3));
            }
            boolean ok = rows.equals(List.of(1, 200, 200));
            out.printf("12. pg restore --target-time %s and recovery: orders %d–%d (%d rows) in %s: %s%n", target, rows.get(0),
                    rows.get(1), rows.get(2), Sizes.duration((System.nanoTime() - t0) / 1_000_000),
                    ok ? "exactly the orders committed before the target" : "WRONG (expected 1–200)");
            return ok;
        } finally {
            stopQuietly(restored);
            stopQuietly(data);
            DemoCommand.deleteRecursively(work);
        }
    }

    /**
     * This JVM's class path copied where the postgres user can read it (the checkout may be under
     * /root): the shaded jar when run by the launcher, class directories and jars under a build.
     */
    private static String portableClassPath(Path lib) throws IOException, InterruptedException {
        Files.createDirectories(lib);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (entry.isEmpty() || !Files.exists(source)) {
                continue;
            }
            Path copy = lib.resolve((i++) + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                sh("cp", "-r", source.toString(), copy.toString());
            } else {
                Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            entries.add(copy.toString());
        }
        return String.join(":", entries);
    }

    private static void waitUntilArchived(Statement st) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("WAL was not archived within 60 s");
    }

    private void stopQuietly(Path data) {
        if (Files.exists(data.resolve("postmaster.pid"))) {
            try {
                asOwner(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
            } catch (Exception ignored) {
                // best effort: the demo is over
            }
        }
    }

    private void asOwner(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        sh(cmd.toArray(String[]::new));
    }

    private static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.trim());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
