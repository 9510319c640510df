package dr.summit.neo4j.offline;

import dr.summit.neo4j.Neo4jFailure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Runs {@code <home>/bin/neo4j-admin database import full} (the edge: a process) for one database
 * of a stopped Neo4j installation, and finds where that database's store lives from
 * {@code conf/neo4j.conf} (server.directories.data and .transaction.logs.root, as Neo4j does;
 * relative paths are under the home).
 */
public final class AdminImport {
    private final Path home;
    private final String database;

    public AdminImport(Path home, String database) {
        this.home = home.toAbsolutePath().normalize();
        this.database = database;
    }

    public Path home() {
        return home;
    }

    public Path adminScript() {
        return home.resolve("bin").resolve("neo4j-admin");
    }

    public Path storeDirectory() {
        return dataDirectory().resolve("databases").resolve(database);
    }

    private Path transactionsDirectory() {
        String root = config().getProperty("server.directories.transaction.logs.root");
        Path dir = root == null ? dataDirectory().resolve("transactions") : home.resolve(root.strip());
        return dir.resolve(database);
    }

    private Path dataDirectory() {
        String data = config().getProperty("server.directories.data");
        return data == null ? home.resolve("data") : home.resolve(data.strip());
    }

    private Properties config() {
        Properties p = new Properties();
        Path conf = home.resolve("conf").resolve("neo4j.conf");
        if (Files.isRegularFile(conf)) {
            try (var in = Files.newBufferedReader(conf, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new Neo4jFailure("cannot read " + conf + ": " + e.getMessage(), e);
            }
        }
        return p;
    }

    /**
     * Before anything is read from the repository: neo4j-admin is there, and the database does not
     * exist unless {@code force} (neo4j-admin's --overwrite-destination).
     */
    public void check(boolean force) {
        if (!Files.isRegularFile(adminScript()) || !Files.isExecutable(adminScript())) {
            throw new Neo4jFailure("no executable neo4j-admin at " + adminScript() + ": --neo4j-home must be the Neo4j installation "
                    + "(the directory holding bin/ and conf/)");
        }
        if (!force && exists()) {
            throw new Neo4jFailure("database '" + database + "' already exists in " + storeDirectory() + ": the offline restore creates a new "
                    + "database; give --force to overwrite it (neo4j-admin's --overwrite-destination), with Neo4j stopped");
        }
    }

    private boolean exists() {
        Path store = storeDirectory();
        if (!Files.isDirectory(store)) {
            return false;
        }
        try (var files = Files.list(store)) {
            return files.findAny().isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Imports {@code written}; neo4j-admin's output goes to {@code log}. A failure is one line with
     * neo4j-admin's own last error line; a store the failed import created is removed (neo4j-admin
     * leaves it, unusable), one it was told to overwrite cannot be given back and the line says so.
     */
    public void run(ImportCsv.Written written, boolean force, Path log) throws IOException, InterruptedException {
        boolean existed = exists();
        List<String> cmd = new ArrayList<>(List.of(adminScript().toString(), "database", "import", "full", database,
                "--id-type=integer", "--array-delimiter=" + ImportValues.ARRAY_DELIMITER, "--verbose",
                "--multiline-fields=" + written.multiline(), "--overwrite-destination=" + force,
                "--report-file=" + log.resolveSibling(log.getFileName() + ".report")));
        for (Path p : written.nodeFiles()) {
            cmd.add("--nodes=" + p.toAbsolutePath());
        }
        for (Path p : written.relationshipFiles()) {
            cmd.add("--relationships=" + p.toAbsolutePath());
        }
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // The installation's own script finds its home from its path; this makes it certain.
        pb.environment().put("NEO4J_HOME", home.toString());
        int rc;
        try {
            rc = pb.start().waitFor();
        } catch (IOException e) {
            throw new Neo4jFailure("cannot run " + adminScript() + ": " + e.getMessage(), e);
        }
        if (rc != 0) {
            String left = "";
            if (!existed) {
                deleteTree(storeDirectory());
                deleteTree(transactionsDirectory());
            } else {
                left = "; the database it was told to overwrite is left unusable";
            }
            throw new Neo4jFailure("neo4j-admin database import failed (exit " + rc + "): " + lastErrorLine(log) + " (full output in " + log + left + ")");
        }
    }

    /** neo4j-admin's last line that is not a stack frame: with --verbose, the innermost cause. */
    static String lastErrorLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("at ") || l.matches("\\.\\.\\. \\d+ more") || l.startsWith("Run with '--verbose'")) {
                continue;
            }
            return l.startsWith("Caused by: ") ? l.substring("Caused by: ".length()) : l;
        }
        return "(no output)";
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
