package dr.summit.cli;

import dr.summit.files.backup.Archiver;
import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.neo4j.PluginJar;
import dr.summit.neo4j.backup.Neo4jBackup;
import dr.summit.neo4j.backup.Neo4jCatalogue;
import dr.summit.neo4j.backup.Neo4jVerify;
import dr.summit.neo4j.restore.Neo4jRestore;
import dr.summit.neo4j.restore.RestorePlan;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "neo4j", description = "Neo4j online full backups, continuous incremental capture, restore to a transaction or a time.",
        subcommands = {Neo4jCommand.Plugin.class, Neo4jCommand.Backup.class, Neo4jCommand.ListBackups.class, Neo4jCommand.Verify.class,
                Neo4jCommand.Restore.class, Neo4jCommand.ImportArtifacts.class})
final class Neo4jCommand implements Runnable {
    static final String ARTIFACTS_KIND = "neo4j-artifacts";

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Which database's backups, within a repository that may hold several. */
    static final class DatabaseOption {
        @Option(names = "--database", defaultValue = "neo4j", description = "Database name (default ${DEFAULT-VALUE}).")
        String database;
    }

    /** How to reach the server over Bolt. */
    static final class ServerOptions {
        @Option(names = "--uri", paramLabel = "URI", description = "Bolt URI, e.g. bolt://db1:7687 (default: $NEO4J_URI, then bolt://localhost:7687).")
        String uri;
        @Option(names = "--user", paramLabel = "NAME", description = "User (default: $NEO4J_USER, then neo4j).")
        String user;
        @Option(names = "--neo4j-password-file", paramLabel = "FILE", description = "File holding the Neo4j password (mode 600; --password-file is the repository's). Default: $NEO4J_PASSWORD; none: no authentication.")
        Path passwordFile;

        Neo4jConnection.Settings settings(String database) {
            String u = uri != null ? uri : orDefault(RepositoryOptions.env.apply("NEO4J_URI"), "bolt://localhost:7687");
            String name = user != null ? user : orDefault(RepositoryOptions.env.apply("NEO4J_USER"), "neo4j");
            String password = null;
            if (passwordFile != null) {
                byte[] bytes = SecretFiles.readPrivate(passwordFile, "Neo4j password file");
                password = new String(bytes, StandardCharsets.UTF_8).strip();
                SecretFiles.zero(bytes);
            } else if (RepositoryOptions.env.apply("NEO4J_PASSWORD") != null) {
                password = RepositoryOptions.env.apply("NEO4J_PASSWORD");
            }
            return new Neo4jConnection.Settings(u, name, password, database);
        }

        private static String orDefault(String v, String d) {
            return v == null || v.isBlank() ? d : v;
        }
    }

    /** "90s", "15m", "12h", "7d", "2w": a whole number and one unit (BackupDuration, shared with the server's config). */
    static Duration parseDuration(String text, String option) {
        try {
            return dr.summit.neo4j.backup.BackupDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("invalid " + option + " '" + text + "': " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    @Command(name = "plugin", description = "Write the summit-dr capture plugin jar into a Neo4j plugins directory (then restart Neo4j).")
    static final class Plugin implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Neo4j plugins directory, e.g. $NEO4J_HOME/plugins.")
        Path output;

        @Override
        public Integer call() throws IOException {
            Path jar = PluginJar.writeTo(output);
            spec.commandLine().getOut().println("wrote " + jar + "; restart Neo4j to start change capture (log in <data>/summit-dr/<database>,"
                    + " or $SUMMIT_DR_CAPTURE_DIR)");
            return ExitCodes.OK;
        }
    }

    @Command(name = "backup", description = {"Back up a Neo4j database online: a full the first time and every --full-every, else an incremental "
            + "with the changes since the last backup.", "With --interval it runs continuously (the agent's RPO is the interval)."})
    static final class Backup implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin DatabaseOption db;
        @Mixin ServerOptions server;
        @Spec CommandSpec spec;
        @Option(names = "--full", description = "Take a full backup whatever the chain's state.") boolean full;
        @Option(names = "--full-every", defaultValue = "7d", paramLabel = "DURATION", description = "Age of the last full after which the next backup is a full (default ${DEFAULT-VALUE}).")
        String fullEvery;
        @Option(names = "--interval", paramLabel = "DURATION", description = "Run continuously: one backup every DURATION (e.g. 60s) until stopped.")
        String interval;
        @Option(names = "--max-runs", paramLabel = "N", description = "With --interval: stop after N runs (drills and tests).") Integer maxRuns;
        @Option(names = "--no-digest", description = "Do not record the graph digest (a full computes it during its export; an incremental reads the whole store in the server for it).") boolean noDigest;
        @Option(names = "--tag", paramLabel = "TAG", description = "Tag the snapshot (repeatable).") List<String> tags = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Duration every = parseDuration(fullEvery, "--full-every");
            Duration pause = interval == null ? null : parseDuration(interval, "--interval");
            Neo4jBackup.Options options = new Neo4jBackup.Options(db.database, full, every, !noDigest, BackupCommand.hostName(),
                    System.getProperty("user.name"), "summit-dr " + Main.VERSION, tags);
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.open()) {
                int runs = 0;
                int failed = 0;
                while (true) {
                    try (Neo4jConnection conn = Neo4jConnection.open(server.settings(db.database))) {
                        report(out, new Neo4jBackup(repo, runs == 0 ? options : withoutFull(options)).run(conn));
                        failed = 0;
                    } catch (dr.summit.neo4j.Neo4jFailure e) {
                        if (pause == null) {
                            throw e;
                        }
                        // The agent outlives a server restart or an outage: say so, try again next interval.
                        failed++;
                        spec.commandLine().getErr().println("summit-dr: " + e.getMessage() + " (run " + (runs + 1) + "; "
                                + failed + " in a row; next try in " + interval + ")");
                        spec.commandLine().getErr().flush();
                    }
                    runs++;
                    if (pause == null || (maxRuns != null && runs >= maxRuns)) {
                        return failed == 0 ? ExitCodes.OK : ExitCodes.ERROR;
                    }
                    Thread.sleep(pause.toMillis());
                }
            }
        }

        private static Neo4jBackup.Options withoutFull(Neo4jBackup.Options o) {
            return new Neo4jBackup.Options(o.database(), false, o.fullEvery(), o.digest(), o.host(), o.username(), o.program(), o.tags());
        }

        private void report(PrintWriter out, Neo4jBackup.Result r) {
            if (output.json) {
                Map<String, Object> m = r.entry() == null ? new LinkedHashMap<>(Map.of("unchanged", true, "previous", r.previous().id()))
                        : entryJson(r.entry());
                if (r.fullReason() != null) {
                    m.put("fullReason", r.fullReason());
                }
                if (r.entry() != null) {
                    m.put("bytesAdded", r.bytesAdded());
                }
                OutputOptions.printJson(out, m);
                return;
            }
            if (r.entry() == null) {
                out.println("no change since backup " + r.previous().snapshot().shortId() + " (tx " + r.previous().toTx() + "): nothing written");
                return;
            }
            Neo4jCatalogue.Entry e = r.entry();
            out.println(e.type() + " backup " + e.snapshot().shortId() + " of database " + e.snapshot().attribute(Neo4jCatalogue.DATABASE)
                    + ": tx " + e.fromTx() + ".." + e.toTx() + ", " + e.transactions() + " transactions, " + e.changes() + " changes"
                    + (e.full() ? ", " + e.nodes() + " nodes, " + e.relationships() + " relationships exported" : "")
                    + ", " + Sizes.bytes(r.bytesAdded()) + " added" + (r.fullReason() == null ? "" : " (full: " + r.fullReason() + ")"));
            out.flush();
        }
    }

    static Map<String, Object> entryJson(Neo4jCatalogue.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("type", e.type());
        m.put("database", e.snapshot().attribute(Neo4jCatalogue.DATABASE));
        m.put("time", e.snapshot().time().toString());
        m.put("fromTx", e.fromTx());
        m.put("toTx", e.toTx());
        m.put("fromTime", e.fromTime().toString());
        m.put("toTime", e.toTime().toString());
        m.put("transactions", e.transactions());
        m.put("changes", e.changes());
        if (e.full()) {
            m.put("nodes", e.nodes());
            m.put("relationships", e.relationships());
        } else {
            m.put("chain", e.chain());
        }
        m.put("bytes", e.snapshot().summary() == null ? 0 : e.snapshot().summary().totalBytes());
        m.put("storedBytes", e.snapshot().summary() == null ? 0 : e.snapshot().summary().newPackedBytes());
        if (e.digest() != null) {
            m.put("digest", e.digest());
        }
        return m;
    }

    @Command(name = "list", description = "List Neo4j backups by chain, with each chain's recoverable window (transactions and times).")
    static final class ListBackups implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin DatabaseOption db;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.open()) {
                Neo4jCatalogue catalogue = new Neo4jCatalogue(repo, db.database);
                List<Neo4jCatalogue.Chain> chains = catalogue.chains();
                List<Neo4jCatalogue.Entry> orphans = catalogue.orphans();
                if (output.json) {
                    List<Object> cj = new ArrayList<>();
                    for (Neo4jCatalogue.Chain c : chains) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("full", c.full().id());
                        m.put("window", Map.of("fromTx", c.fromTx(), "toTx", c.toTx(), "fromTime", c.fromTime().toString(), "toTime", c.toTime().toString()));
                        m.put("backups", c.all().stream().map(Neo4jCommand::entryJson).toList());
                        if (c.brokenAt() != null) {
                            m.put("brokenAt", c.brokenAt().id());
                        }
                        cj.add(m);
                    }
                    OutputOptions.printJson(out, Map.of("database", db.database, "chains", cj,
                            "orphans", orphans.stream().map(Neo4jCommand::entryJson).toList()));
                    return ExitCodes.OK;
                }
                if (chains.isEmpty()) {
                    out.println("no Neo4j backups of database " + db.database);
                }
                for (Neo4jCatalogue.Chain c : chains) {
                    out.println("chain " + c.full().snapshot().shortId() + ": recoverable tx " + c.fromTx() + ".." + c.toTx() + ", "
                            + c.fromTime() + " .. " + c.toTime() + (c.brokenAt() == null ? "" : " (broken at " + c.brokenAt().snapshot().shortId() + ")"));
                    for (Neo4jCatalogue.Entry e : c.all()) {
                        out.printf("  %-11s %s  tx %d..%d  %s  %d tx, %d changes%s%n", e.type(), e.snapshot().shortId(), e.fromTx(), e.toTx(),
                                e.toTime(), e.transactions(), e.changes(), e.full() ? ", " + e.nodes() + " nodes, " + e.relationships() + " rels" : "");
                    }
                }
                for (Neo4jCatalogue.Entry e : orphans) {
                    out.println("orphan " + e.type() + " " + e.snapshot().shortId() + " (its full is gone)");
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "verify", description = {"Check every Neo4j backup chain: links without a transaction gap, and every stored stream readable to its end.",
            "With --uri (or $NEO4J_URI): also compare each backup's transactions with Neo4j's own transaction log; a data transaction "
                    + "the log holds that no backup captured is a gap. Neo4j prunes its log: the output says how far back it could check."})
    static final class Verify implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin DatabaseOption db;
        @Mixin ServerOptions server;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            boolean withServer = server.uri != null || RepositoryOptions.env.apply("NEO4J_URI") != null;
            try (Repository repo = repository.open()) {
                Neo4jVerify.Report r;
                if (withServer) {
                    try (Neo4jConnection conn = Neo4jConnection.open(server.settings(db.database))) {
                        r = Neo4jVerify.run(repo, db.database, conn);
                    }
                } else {
                    r = Neo4jVerify.run(repo, db.database, null);
                }
                for (String p : r.problems()) {
                    spec.commandLine().getErr().println("error: " + p);
                }
                for (String n : r.notes()) {
                    out.println(n);
                }
                out.println((r.ok() ? "ok: " : r.problems().size() + " problem(s): ") + r.backups() + " backups in " + r.chains()
                        + " chain(s) of database " + db.database + " read to the end");
                return r.ok() ? ExitCodes.OK : ExitCodes.ERROR;
            }
        }
    }

    @Command(name = "restore", description = {"Restore a Neo4j backup into an empty database over Bolt, replaying incrementals up to the latest point, "
            + "--until-tx or --until-time; prints the restored graph's digest and whether it equals the one recorded.",
            "With --neo4j-home DIR: offline, for large graphs: neo4j-admin database import of the full into the stopped Neo4j, then the "
                    + "changes over Bolt (--uri, or later with --resume-import).",
            "With --artifacts-to DIR: give back the Enterprise backup artifacts stored by import-artifacts instead."})
    static final class Restore implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin DatabaseOption db;
        @Mixin ServerOptions server;
        @Spec CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", paramLabel = "ID|latest", description = "A backup id (prefix), or latest (default).")
        String ref = "latest";
        @Option(names = "--until-tx", paramLabel = "N", description = "Stop after transaction N (inclusive).") Long untilTx;
        @Option(names = "--until-time", paramLabel = "TIME", description = "Stop before the first transaction committed after TIME, "
                + "ISO-8601 with an explicit zone: 2026-12-06T15:04:05Z or 2026-12-06T16:04:05+01:00.") String untilTime;
        @Option(names = "--full-only", description = "Restore the full alone, as it ended (no incrementals).") boolean fullOnly;
        @Option(names = "--force", description = "Delete the target database's content and schema first.") boolean force;
        @Option(names = "--artifacts-to", paramLabel = "DIR", description = "Restore stored Enterprise backup artifacts into DIR (empty or new).") Path artifactsTo;
        @Option(names = "--neo4j-home", paramLabel = "DIR", description = "Restore offline, for large graphs: write the full's export as CSV files and "
                + "run DIR/bin/neo4j-admin database import into the stopped Neo4j installation DIR (a new database; --force overwrites one); "
                + "then, with --uri, wait for Neo4j to be started and replay the changes over Bolt, else print the command that does.") Path neo4jHome;
        @Option(names = "--work-dir", paramLabel = "DIR", description = "With --neo4j-home: where the temporary CSV files go (default: inside the "
                + "Neo4j home); removed afterwards.") Path workDir;
        @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30m", description = "With --neo4j-home and --uri: how long to wait for "
                + "Neo4j to start on the imported database (default ${DEFAULT-VALUE}).") String waitFor;
        @Option(names = "--resume-import", paramLabel = "TAG", description = "Finish an offline restore: replay the changes over Bolt into the "
                + "database imported with TAG, then check the digest (the import prints this command).") String resumeImport;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (artifactsTo != null) {
                return restoreArtifacts(out);
            }
            Instant until = untilTime == null ? null : parseTime(untilTime);
            if (neo4jHome != null && resumeImport != null) {
                throw new CommandFailure("give --neo4j-home (import, then replay) or --resume-import (replay after an import), not both", ExitCodes.USAGE);
            }
            if (neo4jHome == null && (workDir != null)) {
                throw new CommandFailure("--work-dir goes with --neo4j-home", ExitCodes.USAGE);
            }
            dr.summit.neo4j.offline.AdminImport admin = null;
            Duration wait = parseDuration(waitFor, "--wait");
            if (neo4jHome != null) {
                // Before the repository is read: a missing neo4j-admin or an existing database fails at once.
                admin = new dr.summit.neo4j.offline.AdminImport(neo4jHome, db.database);
                admin.check(force);
            }
            try (Repository repo = repository.open()) {
                RestorePlan plan = RestorePlan.of(new Neo4jCatalogue(repo, db.database).chains(),
                        new RestorePlan.Target(ref, untilTx, until, fullOnly));
                Neo4jRestore.Result r;
                if (admin != null) {
                    dr.summit.neo4j.offline.OfflineImport.Result imported = new dr.summit.neo4j.offline.OfflineImport(repo).run(plan, admin, workDir, force);
                    var w = imported.written();
                    String next = "summit-dr neo4j restore " + plan.last().id() + (untilTx == null ? "" : " --until-tx " + untilTx)
                            + (untilTime == null ? "" : " --until-time " + untilTime) + " --database " + db.database + " --resume-import "
                            + imported.tag() + " --uri " + (server.uri == null ? "bolt://HOST:7687" : server.uri);
                    PrintWriter err = output.json ? spec.commandLine().getErr() : out;
                    err.println("imported " + w.nodes() + " nodes, " + w.relationships() + " relationships of full backup "
                            + plan.chain().full().snapshot().shortId() + " into database " + db.database + " of " + admin.home() + " ("
                            + (w.nodeFiles().size() + w.relationshipFiles().size()) + " CSV files in " + imported.csvMillis() + " ms, neo4j-admin "
                            + imported.importMillis() + " ms; " + w.fixed() + " entities with values set over Bolt later, " + w.skippedRelationships()
                            + " relationships left to the replay; neo4j-admin's output: " + imported.log() + ")");
                    if (server.uri == null && output.json) {
                        OutputOptions.printJson(out, Map.of("imported", Map.of("nodes", w.nodes(), "relationships", w.relationships(), "fixedUp", w.fixed(),
                                "relationshipsLeftToReplay", w.skippedRelationships()), "tag", imported.tag(), "next", next));
                        return ExitCodes.OK;
                    }
                    if (server.uri == null) {
                        err.println("next: start Neo4j on it (" + admin.home().resolve("bin").resolve("neo4j") + " start), then replay the changes "
                                + "and check the digest with (same repository options):");
                        err.println("  " + next);
                        err.flush();
                        return ExitCodes.OK;
                    }
                    err.println("start Neo4j on it now (" + admin.home().resolve("bin").resolve("neo4j") + " start); waiting up to " + waitFor + " for "
                            + server.uri + " (if stopped, finish later with: " + next + ")");
                    err.flush();
                    try (Neo4jConnection conn = awaitServer(server.settings(db.database), wait, next)) {
                        r = new Neo4jRestore(repo).resumeImported(conn, plan, imported.tag());
                    }
                } else if (resumeImport != null) {
                    try (Neo4jConnection conn = Neo4jConnection.open(server.settings(db.database))) {
                        r = new Neo4jRestore(repo).resumeImported(conn, plan, resumeImport);
                    }
                } else {
                    try (Neo4jConnection conn = Neo4jConnection.open(server.settings(db.database))) {
                        r = new Neo4jRestore(repo).run(conn, plan, force);
                    }
                }
                Boolean matches = r.digestMatches();
                if (output.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("backups", plan.entries().stream().map(Neo4jCatalogue.Entry::id).toList());
                    m.put("lastTx", r.lastTx());
                    if (r.lastCommit() != null) {
                        m.put("lastCommit", r.lastCommit().toString());
                    }
                    m.put("exportRecords", r.exportRecords());
                    m.put("changeRecords", r.changeRecords());
                    m.put("digest", r.digest().toString());
                    if (r.recordedDigest() != null) {
                        m.put("recordedDigest", r.recordedDigest());
                        m.put("digestMatches", matches);
                    }
                    m.put("millis", r.millis());
                    OutputOptions.printJson(out, m);
                } else {
                    out.println("restored " + plan.entries().size() + " backup(s) of database " + db.database + " up to tx " + r.lastTx()
                            + (r.lastCommit() == null ? "" : " (committed " + r.lastCommit() + ")") + ": " + r.digest().nodes() + " nodes, "
                            + r.digest().relationships() + " relationships in " + r.millis() + " ms");
                    out.println("digest " + r.digest() + (matches == null ? " (no digest was recorded for this point)"
                            : matches ? " matches the digest recorded by backup " + plan.last().snapshot().shortId()
                            : " DIFFERS from the digest recorded by backup " + plan.last().snapshot().shortId() + ": " + r.recordedDigest()));
                }
                return matches == null || matches ? ExitCodes.OK : ExitCodes.ERROR;
            }
        }

        /** Connects once Neo4j has started on the imported database (Neo4jConnection.await); a failure says how to finish later. */
        private static Neo4jConnection awaitServer(Neo4jConnection.Settings settings, Duration wait, String next) throws InterruptedException {
            try {
                return Neo4jConnection.await(settings, wait, Duration.ofSeconds(2));
            } catch (dr.summit.neo4j.Neo4jFailure e) {
                throw new dr.summit.neo4j.Neo4jFailure(e.getMessage() + "; the import is done: finish with " + next, e);
            }
        }

        static Instant parseTime(String text) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    return ZonedDateTime.parse(text).toInstant();
                } catch (DateTimeParseException e2) {
                    throw new CommandFailure("invalid --until-time '" + text + "': give an ISO-8601 time with an explicit zone, "
                            + "e.g. 2026-12-06T15:04:05Z or 2026-12-06T16:04:05+01:00", ExitCodes.USAGE);
                }
            }
        }

        private int restoreArtifacts(PrintWriter out) throws InterruptedException, IOException {
            if (Files.exists(artifactsTo)) {
                try (var s = Files.list(artifactsTo)) {
                    if (s.findAny().isPresent()) {
                        throw new CommandFailure("--artifacts-to " + artifactsTo + " is not empty: give a new or empty directory");
                    }
                }
            }
            try (Repository repo = repository.open()) {
                List<Snapshot> artifacts = repo.listSnapshots().stream()
                        .filter(s -> ARTIFACTS_KIND.equals(s.kind()) && db.database.equals(s.attribute(Neo4jCatalogue.DATABASE))).toList();
                Snapshot chosen = null;
                for (Snapshot s : artifacts) {
                    if (ref.equals("latest") || s.id().startsWith(ref)) {
                        chosen = s;
                    }
                }
                if (chosen == null) {
                    throw new CommandFailure("no stored Neo4j artifacts " + (ref.equals("latest") ? "" : "'" + ref + "' ") + "for database " + db.database
                            + " (store them with 'summit-dr neo4j import-artifacts DIR')");
                }
                Files.createDirectories(artifactsTo);
                RestoreResult r = new Restorer(repo, Restorer.Options.defaults()).restore(chosen, artifactsTo);
                out.println("restored " + r.files() + " artifact file(s), " + Sizes.bytes(r.bytes()) + " from " + chosen.shortId() + " into " + artifactsTo
                        + "; then: neo4j-admin database restore --from-path=" + artifactsTo + " [--restore-until=…] " + db.database);
                return r.complete() ? ExitCodes.OK : ExitCodes.ERROR;
            }
        }
    }

    @Command(name = "import-artifacts", description = "Store Neo4j Enterprise backup artifacts (a 'neo4j-admin database backup' directory) "
            + "in the repository, deduplicated and encrypted.")
    static final class ImportArtifacts implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin DatabaseOption db;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "DIR", description = "Directory holding the .backup artifacts.") Path dir;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir)) {
                throw new CommandFailure("artifacts directory " + dir + " does not exist or is not a directory");
            }
            try (var s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    throw new CommandFailure("artifacts directory " + dir + " is empty");
                }
            }
            try (Repository repo = repository.open()) {
                Archiver.Options options = Archiver.Options.defaults(BackupCommand.hostName(), System.getProperty("user.name"), "summit-dr " + Main.VERSION)
                        .withLayout(new Archiver.Layout(ARTIFACTS_KIND, p -> false, p -> false, 0, false, null));
                Archiver.Result r = new Archiver(repo, options).backup(List.of(dir.toAbsolutePath()), List.of("artifacts"), null,
                        snap -> snap.withAttributes(Map.of(Neo4jCatalogue.DATABASE, db.database)));
                Snapshot s = r.snapshot();
                if (output.json) {
                    OutputOptions.printJson(spec.commandLine().getOut(), Map.of("id", s.id(), "files", s.summary().files(), "bytes", s.summary().totalBytes(),
                            "storedBytes", s.summary().newPackedBytes()));
                } else {
                    spec.commandLine().getOut().println("stored " + s.summary().files() + " artifact file(s) of database " + db.database + " as snapshot "
                            + s.shortId() + " (" + Sizes.bytes(s.summary().totalBytes()) + ", " + Sizes.bytes(s.summary().newPackedBytes()) + " new)");
                }
                return r.warningCount() == 0 ? ExitCodes.OK : ExitCodes.PARTIAL;
            }
        }
    }
}
