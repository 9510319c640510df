package dr.summit.orchestrator.sources;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A restored data directory started as a throwaway PostgreSQL for a drill: no archiving (it must not
 * archive under the production cluster's name), a UNIX socket in a private directory and no TCP, its own
 * pg_hba.conf (local trust: nobody else can reach the socket), promoted at the end of recovery. When the
 * orchestrator runs as root the server runs as {@code postgres} (initdb and postgres refuse root).
 * Checks: recovery reaches a consistent state and promotes, {@code amcheck}'s bt_index_check passes on
 * every valid B-tree index of every database, and every user table can be counted (the counts go in
 * the report).
 */
final class PgDrillInstance implements AutoCloseable {
    private final Path bin;
    private final Path data;
    private final Path socketDir;
    private final int port;
    private final boolean asPostgres;
    private boolean running;

    PgDrillInstance(Path bin, Path data) throws IOException {
        this.bin = bin;
        this.data = data;
        this.socketDir = data.resolveSibling(data.getFileName() + "-sock");
        this.port = freePort();
        this.asPostgres = "root".equals(System.getProperty("user.name"));
    }

    void start(long timeoutSeconds) throws IOException, InterruptedException {
        Files.createDirectories(socketDir);
        Path hba = data.resolveSibling(data.getFileName() + "-hba.conf");
        Files.writeString(hba, "local all all trust\n");
        Files.writeString(data.resolve("postgresql.auto.conf"), "\n# summit-dr drill: a throwaway instance\narchive_mode = off\n"
                + "listen_addresses = ''\nport = " + port + "\nunix_socket_directories = '" + socketDir + "'\nhba_file = '" + hba + "'\n"
                + "recovery_target_action = 'promote'\n", StandardOpenOption.APPEND);
        if (asPostgres) {
            run(List.of("chown", "-R", "postgres:postgres", data.toString(), socketDir.toString(), hba.toString()), 60);
            run(List.of("chmod", "700", socketDir.toString()), 10);
        }
        Path log = data.resolveSibling(data.getFileName() + ".log");
        if (asPostgres) {
            Files.deleteIfExists(log);
            Files.createFile(log);
            run(List.of("chown", "postgres:postgres", log.toString()), 10);
        }
        try {
            run(pg(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(), "-w", "-t", Long.toString(timeoutSeconds), "start"),
                    timeoutSeconds + 30);
        } catch (IOException e) {
            String tail = Files.exists(log) ? String.join(" | ", lastLines(Files.readAllLines(log), 5)) : "";
            throw new IOException("the restored cluster did not start: " + e.getMessage() + (tail.isEmpty() ? "" : "; log: " + tail), e);
        }
        running = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!"f".equals(sql("postgres", "SELECT pg_is_in_recovery()").trim())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("the restored cluster was still recovering after " + timeoutSeconds + " s");
            }
            Thread.sleep(200);
        }
    }

    /** Every database's B-tree indexes checked with amcheck, and its user tables counted. */
    Map<String, Object> check(List<String> problems) throws IOException, InterruptedException {
        Map<String, Object> facts = new LinkedHashMap<>();
        Map<String, Long> rows = new LinkedHashMap<>();
        long indexes = 0;
        for (String db : sql("postgres", "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1").lines().filter(l -> !l.isBlank()).toList()) {
            try {
                indexes += Long.parseLong(sql(db, "CREATE EXTENSION IF NOT EXISTS amcheck; SELECT count(bt_index_check(c.oid)) FROM pg_index i "
                        + "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                        + "WHERE a.amname = 'btree' AND c.relpersistence <> 't' AND i.indisready AND i.indisvalid").lines()
                        .filter(l -> l.matches("\\d+")).findFirst().orElse("0"));
            } catch (IOException e) {
                problems.add("amcheck in database " + db + ": " + e.getMessage());
            }
            for (String table : sql(db, "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1").lines()
                    .filter(l -> !l.isBlank()).toList()) {
                try {
                    rows.put(db + "." + table, Long.parseLong(sql(db, "SELECT count(*) FROM " + table).trim()));
                } catch (IOException | NumberFormatException e) {
                    problems.add("counting " + db + "." + table + ": " + e.getMessage());
                }
            }
        }
        facts.put("indexesChecked", indexes);
        facts.put("rows", rows);
        return facts;
    }

    String sql(String db, String query) throws IOException, InterruptedException {
        return run(pg(bin.resolve("psql").toString(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", socketDir.toString(), "-p",
                Integer.toString(port), "-U", "postgres", "-d", db, "-c", query), 600);
    }

    private List<String> pg(String... command) {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static String run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(asIndex(command)) + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", lastLines(text.lines().toList(), 3)).trim());
        }
        return text;
    }

    private static int asIndex(List<String> command) {
        return command.get(0).equals("runuser") ? 3 : 0;
    }

    private static List<String> lastLines(List<String> lines, int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (running) {
            running = false;
            run(pg(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"), 120);
        }
        if (Files.exists(socketDir)) {
            Files.walk(socketDir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.deleteIfExists(data.resolveSibling(data.getFileName() + "-hba.conf"));
        Files.deleteIfExists(data.resolveSibling(data.getFileName() + ".log"));
    }
}
