package dr.summit.cli;

import dr.summit.files.backup.Archiver;
import dr.summit.files.restore.RestoreResult;
import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.connect.ConnectionFailedException;
import dr.summit.postgres.connect.ConnectionSettingsException;
import dr.summit.postgres.connect.PgConnector;
import dr.summit.postgres.restore.PgCatalogue;
import dr.summit.postgres.restore.PgRestore;
import dr.summit.postgres.restore.RecoveryTarget;
import dr.summit.postgres.wal.ArchiveMap;
import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.SnapshotCheck;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "pg", description = "PostgreSQL point-in-time recovery: base backups, WAL archive, restore.",
        subcommands = {PgCommand.Backup.class, PgCommand.WalPush.class, PgCommand.WalFetch.class, PgCommand.Restore.class,
                PgCommand.ListBackups.class, PgCommand.Verify.class, PgCommand.Expire.class, PgStreamCommand.class, PgStatusCommand.class})
final class PgCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Which cluster's archive and backups, within a repository that may hold several. */
    static final class ClusterOption {
        @Option(names = "--cluster", defaultValue = "main", description = "Cluster name in the repository (default ${DEFAULT-VALUE}).")
        String cluster;
    }

    @Command(name = "backup", description = "Take a base backup (non-exclusive low-level API; the server must archive WAL with 'pg wal-push').")
    static final class Backup implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin ClusterOption cluster;
        @Mixin MetricsOptions metrics;
        @Spec CommandSpec spec;
        @Option(names = "--pgdata", paramLabel = "DIR", description = "Data directory (default: $PGDATA).") Path pgdata;
        @Option(names = "--dsn", paramLabel = "CONNINFO", description = {"Connection string as libpq takes it: 'host=/var/run/postgresql port=5432 "
                + "user=postgres dbname=postgres' or postgresql://user@host:port/db (socket: postgresql:///db?host=/dir). "
                + "Unset keywords come from PGSERVICE's service, then PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE… "
                + "(default: the socket in /var/run/postgresql as the OS user); passwords from ~/.pgpass or PGPASSFILE."}) String dsn;
        @Option(names = "--agent", paramLabel = "SOCKET", description = {"Run the backup inside the resident agent listening on SOCKET "
                + "(default: $SUMMIT_AGENT): its JVM is warm and its repository open, so no key derivation; it must serve this "
                + "repository, cluster and --pgdata. Runs in-process, with a line on stderr, when the agent cannot be reached."}) Path agent;

        @Override
        public Integer call() throws Exception {
            return MetricsOptions.countingFailures(this::backup, this::publishFailure);
        }

        /** The WAL-derived incremental's report: on or why not, files read through it, files read whole and why. */
        static Map<String, Object> walDeltaJson(Snapshot s) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            String mode = s.attribute(BaseBackup.WAL_DELTA);
            m.put("used", "on".equals(mode));
            if (mode != null && mode.startsWith("off: ")) {
                m.put("off", mode.substring(5));
            }
            if ("on".equals(mode)) {
                m.put("files", Long.parseLong(s.attribute(BaseBackup.WAL_DELTA_FILES)));
                m.put("reusedBytes", Long.parseLong(s.attribute(BaseBackup.WAL_DELTA_REUSED_BYTES)));
                m.put("fallbacks", Long.parseLong(s.attribute(BaseBackup.WAL_DELTA_FALLBACKS)));
                String files = s.attribute(BaseBackup.WAL_DELTA_FALLBACK_FILES);
                m.put("fallbackFiles", files == null ? List.of() : files.lines().toList());
            }
            return m;
        }

        private void publishFailure() {
            metrics.publish(spec, "pg-backup", null, m -> m.recordBackup(dr.summit.monitoring.Source.POSTGRES, "base", 0, 0, 0, 0, false,
                    java.time.Instant.now()));
        }

        private Integer backup() throws Exception {
            Path dir = pgdata != null ? pgdata : envPath("PGDATA", "--pgdata");
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path socket = PgAgentClient.socket(agent);
            if (socket != null && metrics.enabled()) {
                err.println("summit-dr: --metrics-textfile/--metrics-push are published by this process: backing up in-process, not through the agent");
            } else if (socket != null) {
                Integer code = PgAgentClient.run(socket, "pg/backup", PgAgentJobs.backupRequest(repository, cluster.cluster, dir, dsn, output.json), out, err);
                if (code != null) {
                    return code;
                }
            }
            try (Repository repo = repository.open(); Connection conn = connect(dsn, err)) {
                Done done = run(repo, conn, cluster.cluster, dir, System.getProperty("user.name"), output.json, out, err);
                Snapshot.Summary m = done.snapshot().summary();
                metrics.publish(spec, "pg-backup", repo, x -> x.recordBackup(dr.summit.monitoring.Source.POSTGRES, "base",
                        m.durationMillis() / 1000.0, m.totalBytes(), m.newPackedBytes(), m.files(), true, java.time.Instant.now()));
                return done.exitCode();
            }
        }

        record Done(Snapshot snapshot, int exitCode) {
        }

        /** The backup and all it prints: the same code in-process and in the agent (PgAgentJobs). */
        static Done run(Repository repo, Connection conn, String cluster, Path dir, String user, boolean json, PrintWriter out,
                        PrintWriter err) throws Exception {
            Archiver.Options options = Archiver.Options.defaults(BackupCommand.hostName(), user,
                    "summit-dr " + Main.VERSION);
            Archiver.Result r = new BaseBackup(repo, options, cluster).runAfterNewest(conn, dir);
            Snapshot s = r.snapshot();
            long bad = s.attribute(BaseBackup.CHECKSUM_FAILURES) == null ? 0 : Long.parseLong(s.attribute(BaseBackup.CHECKSUM_FAILURES));
            if (bad > 0 && !json) {
                err.println("warning: " + bad + " pages failed checksum verification (the database is damaged): "
                        + String.join(", ", s.attribute(BaseBackup.CHECKSUM_FAILED_PAGES).lines().limit(5).toList()));
            }
            if (json) {
                Map<String, Object> m = SnapshotsCommand.json(s);
                m.put("walDelta", walDeltaJson(s));
                OutputOptions.printJson(out, m);
            } else {
                out.printf("base backup %s of cluster %s: %s to %s, read %s, stored %s new in %s%n", s.shortId(), cluster,
                        s.attribute(BaseBackup.START_LSN), s.attribute(BaseBackup.STOP_LSN), Sizes.bytes(s.summary().bytesRead()),
                        Sizes.bytes(s.summary().newPackedBytes()), Sizes.duration(s.summary().durationMillis()));
            }
            return new Done(s, r.warningCount() > 0 || bad > 0 ? ExitCodes.PARTIAL : ExitCodes.OK);
        }
    }

    @Command(name = "wal-push", description = "Archive one WAL file (archive_command = 'summit-dr pg wal-push %%p …').")
    static final class WalPush implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin ClusterOption cluster;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "PATH", description = "The file PostgreSQL passes as %%p.") Path file;
        @Option(names = "--agent", paramLabel = "SOCKET", description = {"The resident agent's socket: the launcher hands the file to it "
                + "with curl and starts no JVM; this in-process push runs only when the agent is down."}) Path agent;

        @Override
        public Integer call() throws Exception {
            try (Repository repo = repository.openWithoutIndex()) {
                new WalArchive(repo, cluster.cluster).push(file);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "wal-fetch", description = "Fetch one archived WAL file (restore_command = 'summit-dr pg wal-fetch %%f %%p …').")
    static final class WalFetch implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin ClusterOption cluster;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME", description = "WAL file name (%%f).") String name;
        @Parameters(index = "1", paramLabel = "PATH", description = "Where to write it (%%p).") Path destination;
        @Option(names = "--agent", paramLabel = "SOCKET", description = "The resident agent's socket (used by the launcher's curl fast path).") Path agent;

        @Override
        public Integer call() throws Exception {
            try (Repository repo = repository.openWithoutIndex()) {
                // Not archived is normal at the end of recovery: exit 1 without noise.
                return new WalArchive(repo, cluster.cluster).fetch(name, destination) ? ExitCodes.OK : ExitCodes.ERROR;
            }
        }
    }

    @Command(name = "restore", description = "Restore a data directory from the best base backup and configure recovery to a target.")
    static final class Restore implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin ClusterOption cluster;
        @Spec CommandSpec spec;
        @Option(names = "--pgdata", required = true, paramLabel = "DIR", description = "Data directory to create (absent or empty).") Path pgdata;
        @Option(names = "--target-time", description = "Recover to this time; needs an explicit zone: 2026-11-25T14:30:00+01:00 or …Z.") String time;
        @Option(names = "--target-lsn", description = "Recover to this LSN, e.g. 0/3000060.") String lsn;
        @Option(names = "--target-xid", description = "Recover to this transaction id.") String xid;
        @Option(names = "--target-name", description = "Recover to this named restore point.") String name;
        @Option(names = "--target-immediate", description = "Stop as soon as the backup is consistent.") boolean immediate;
        @Option(names = "--latest", description = "Replay all archived WAL (the default).") boolean latest;
        @Option(names = "--target-exclusive", description = "Stop just before the target instead of just after it.") boolean exclusive;
        @Option(names = "--target-timeline", description = "Timeline to recover along (latest, current or a number).") String timeline;
        @Option(names = "--target-action", description = "promote, pause or shutdown when the target is reached (default: pause, as PostgreSQL).") String action;
        @Option(names = "--dry-run", description = "Print the plan only.") boolean dryRun;
        @Option(names = "--agent", paramLabel = "SOCKET", description = {"Run the restore inside the resident agent listening on SOCKET "
                + "(default: $SUMMIT_AGENT; it must serve this repository, cluster and --pgdata, and writes the files as its own user), "
                + "and fetch WAL through it (parallel prefetch) instead of a JVM per segment. Runs in-process, with a line on stderr, "
                + "when the agent cannot be reached."}) Path agent;
        @Option(names = "--start", description = "Start the server and wait until recovery reached the target (or report why it stopped).") boolean start;
        @Option(names = "--pg-bin", paramLabel = "DIR", defaultValue = "/usr/lib/postgresql/15/bin", description = "PostgreSQL binaries for --start (default ${DEFAULT-VALUE}).") Path pgBin;
        @Option(names = "--timeout", defaultValue = "3600", description = "Seconds --start waits for recovery (default ${DEFAULT-VALUE}).") long timeoutSeconds;
        @Option(names = "--tablespace-map", paramLabel = "OID|DIR=NEWDIR",
                description = "Restore a tablespace (by OID or its directory at backup time) into NEWDIR instead of its original directory (repeatable).")
        List<String> tablespaceMap = new ArrayList<>();

        private Map<String, Path> tablespaceMap() {
            Map<String, Path> map = new LinkedHashMap<>();
            for (String entry : tablespaceMap) {
                int eq = entry.indexOf('=');
                if (eq <= 0 || eq == entry.length() - 1) {
                    throw new CommandFailure("--tablespace-map takes OID=DIR or OLD_DIR=NEW_DIR, got '" + entry + "'", ExitCodes.USAGE);
                }
                map.put(entry.substring(0, eq), Path.of(entry.substring(eq + 1)));
            }
            return map;
        }

        /** Where the command prints, and what restore_command names: this process's, or the client's in the agent. */
        PrintWriter out;
        PrintWriter err;
        String repoLocation;
        Path passwordFile;
        String launcher;

        @Override
        public Integer call() throws Exception {
            out = spec.commandLine().getOut();
            err = spec.commandLine().getErr();
            Path socket = PgAgentClient.socket(agent);
            if (socket != null) {
                Integer code = PgAgentClient.run(socket, "pg/restore", PgAgentJobs.restoreRequest(this), out, err);
                if (code != null) {
                    return code;
                }
            }
            repoLocation = repository.location();
            passwordFile = repository.passwordFileOrNull();
            launcher = RepositoryOptions.env.apply("SUMMIT_LAUNCHER");
            try (Repository repo = repository.open()) {
                return run(repo);
            }
        }

        /** The restore and all it prints: the same code in-process and in the agent (PgAgentJobs). */
        int run(Repository repo) throws Exception {
            RecoveryTarget target = new RecoveryTarget(parseTime(time), lsn, xid, name, immediate, !exclusive, timeline, action);
            {
                PgRestore restore = new PgRestore(repo, cluster.cluster);
                Snapshot backup = restore.choose(target);
                Map<String, Object> plan = new LinkedHashMap<>();
                plan.put("backup", backup.id());
                plan.put("backupStopTime", backup.attribute(BaseBackup.STOP_TIME));
                plan.put("backupStopLsn", backup.attribute(BaseBackup.STOP_LSN));
                plan.put("bytes", backup.summary() == null ? 0 : backup.summary().totalBytes());
                plan.put("tablespaces", BaseBackup.tablespacesOf(backup));
                PgCatalogue catalogue = new PgCatalogue(repo, cluster.cluster);
                // The last transaction in the WAL (a decode of the newest segment) matters only to a
                // time target and to the message about missing WAL: a --latest restore skips it.
                boolean needsWindow = target.time() != null;
                ArchiveMap.Reach wal = catalogue.reach(backup, target);
                if (!wal.consistent() || wal.firstMissing() != null) {
                    needsWindow = true;
                }
                PgCatalogue.BackupWindow window = needsWindow ? catalogue.window(backup, target) : null;
                plan.put("walFrom", wal.firstSegment());
                plan.put("walTo", wal.lastSegment());
                plan.put("walTimelines", wal.path());
                plan.put("walMissing", wal.firstMissing());
                long walBytes = wal.endLsn() == null ? 0 : Math.max(0, wal.endLsn() - Lsn.parse(backup.attribute(BaseBackup.START_LSN)));
                plan.put("walBytesAtMost", walBytes);
                plan.put("estimatedSeconds", RestoreEstimate.seconds((Long) plan.get("bytes"), walBytes));
                Integer wanted = target.timelineFrom(Integer.parseInt(backup.attribute(BaseBackup.TIMELINE)));
                if (wanted != null && wal.lastTimeline() != wanted) {
                    throw new CommandFailure("timeline " + wanted + " cannot be reached from backup " + backup.shortId()
                            + " of cluster '" + cluster.cluster + "' (timeline " + backup.attribute(BaseBackup.TIMELINE)
                            + "): no archived history leads there" + (wal.lastSegment() == null ? "" : ", or its WAL stops at " + wal.lastSegment()));
                }
                refuseAcrossGap(catalogue.gapAfter(backup), backup, target);
                if (!wal.consistent() || wal.firstMissing() != null) {
                    String message = "WAL segment " + wal.firstMissing() + " is missing from the archive of cluster '"
                            + cluster.cluster + "': recovery from backup " + backup.shortId() + " cannot replay past it"
                            + (wal.consistent() ? " (last reachable: segment " + wal.lastSegment() + ", last transaction "
                            + window.to() + ")" : " and never reaches a consistent state");
                    if (target.isLatest() || !wal.consistent()) {
                        throw new CommandFailure(message + (wal.consistent() ? " (refusing a --latest restore that would stop there silently)" : ""));
                    }
                    err.println("warning: " + message + "; PostgreSQL refuses a target beyond it");
                }
                if (target.time() != null) {
                    refuseTimeBeyondArchive(backup, target.time(), window, target.inclusive());
                }
                if (target.lsn() != null && wal.endLsn() != null && Long.compareUnsigned(Lsn.parse(target.lsn()), wal.endLsn()) >= 0) {
                    throw new CommandFailure("target LSN " + target.lsn() + " is beyond the archived WAL of cluster '" + cluster.cluster
                            + "' (it ends at " + Lsn.format(wal.endLsn()) + ", segment " + wal.lastSegment()
                            + "): recovery cannot reach it; if the server is running, its newest WAL is not archived yet");
                }
                if (wanted == null) {
                    // PostgreSQL's "latest" takes the highest timeline with a history file, reachable
                    // or not; name the one whose WAL was just checked instead.
                    target = target.withTimeline(Integer.toString(wal.lastTimeline()));
                }
                plan.put("recoverySettings", target.settings());
                if (!dryRun) {
                    RestoreResult r = restore.restore(backup, pgdata, target, restoreCommand(), tablespaceMap());
                    plan.put("restoredFiles", r.files());
                    if (start) {
                        long t0 = System.nanoTime();
                        dr.summit.postgres.restore.RecoveryRunner.Outcome outcome = new dr.summit.postgres.restore.RecoveryRunner(pgBin)
                                .startAndWait(pgdata, action, timeoutSeconds * 1000);
                        plan.put("recovery", outcome.name().toLowerCase());
                        plan.put("recoveryMillis", (System.nanoTime() - t0) / 1_000_000);
                    }
                }
                if (output.json) {
                    OutputOptions.printJson(out, plan);
                } else {
                    out.printf("%s base backup %s (ended %s at %s, %s) into %s%n", dryRun ? "would restore" : "restored",
                            backup.shortId(), backup.attribute(BaseBackup.STOP_TIME), backup.attribute(BaseBackup.STOP_LSN),
                            Sizes.bytes((Long) plan.get("bytes")), pgdata);
                    target.settings().forEach(s -> out.println("  " + s));
                    out.printf("  WAL %s .. %s (timelines %s, at most %s to replay); estimated %s%n", wal.firstSegment(),
                            wal.lastSegment(), wal.path(), Sizes.bytes(walBytes),
                            Sizes.duration(1000L * (Long) plan.get("estimatedSeconds")));
                    if (!dryRun && !start) {
                        out.println("start the server to replay WAL: pg_ctl -D " + pgdata + " start");
                    } else if (start) {
                        out.printf("recovery %s in %s%n", plan.get("recovery"), Sizes.duration((Long) plan.get("recoveryMillis")));
                    }
                }
            }
            return ExitCodes.OK;
        }

        /**
         * WAL the valve acknowledged without storing: recovery from a backup before it cannot
         * replay across it, so a target at or after it needs a base backup taken after the gap.
         */
        private void refuseAcrossGap(dr.summit.postgres.wal.WalGap gap, Snapshot backup, RecoveryTarget target) {
            if (gap == null || target.immediate()) {
                return;
            }
            boolean across = target.isLatest()
                    || target.time() != null && !target.time().isBefore(gap.started())
                    || target.lsn() != null && Long.compareUnsigned(Lsn.parse(target.lsn()), gap.from()) >= 0;
            if (!across && (target.xid() != null || target.name() != null)) {
                // Where a transaction id or restore point lies is unknown here: PostgreSQL stops at the gap if it is beyond.
                err.println("warning: WAL gap " + gap.describe() + " follows base backup " + backup.shortId()
                        + ": a target after it cannot be reached");
            }
            if (across) {
                throw new CommandFailure("the restore target lies across WAL gap " + gap.describe() + " of cluster '" + cluster.cluster
                        + "' after base backup " + backup.shortId() + ": recovery cannot replay it; targets before " + gap.started()
                        + " are reachable, later ones need a base backup taken after the gap ('pg verify' names the gap)");
            }
        }

        /**
         * PostgreSQL stops a time-targeted recovery at the first transaction end after the target;
         * past the last archived one it gives up at the end of the WAL. Say so before restoring.
         */
        private void refuseTimeBeyondArchive(Snapshot backup, java.time.Instant targetTime, PgCatalogue.BackupWindow window,
                                             boolean inclusive) {
            // Inclusive recovery stops at the first transaction end after the target: a target equal
            // to the last one is as unreachable as a later one.
            boolean beyond = inclusive ? !targetTime.isBefore(window.to()) : targetTime.isAfter(window.to());
            if (window.lastTransactionLsn() != null && beyond) {
                throw new CommandFailure("target time " + targetTime + " is after the last archived transaction of cluster '"
                        + cluster.cluster + "' (" + window.to() + " at " + window.lastTransactionLsn() + " in WAL up to "
                        + window.reach().lastSegment() + "): recovery cannot reach it; if the server is running, its newest WAL"
                        + " is not archived yet (wait for archive_timeout or run SELECT pg_switch_wal())");
            }
        }

        /** restore_command for PostgreSQL: this launcher with this repository and password file. */
        private String restoreCommand() {
            String launcher = this.launcher == null ? "summit-dr" : this.launcher;
            if (passwordFile == null) {
                throw new CommandFailure("restore_command needs the repository password in a file: use --password-file or SUMMIT_PASSWORD_FILE",
                        ExitCodes.USAGE);
            }
            return shellQuote(launcher) + " pg wal-fetch %f %p --cluster " + shellQuote(cluster.cluster) + " --repo "
                    + shellQuote(repoLocation) + " --password-file " + shellQuote(passwordFile.toAbsolutePath().toString())
                    + (agent == null ? "" : " --agent " + shellQuote(agent.toAbsolutePath().toString()));
        }
    }

    @Command(name = "list", description = "List base backups, the archived WAL per timeline and the recoverable window of a cluster.")
    static final class ListBackups implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin ClusterOption cluster;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.openWithoutIndex()) {
                PgCatalogue.Catalogue c = new PgCatalogue(repo, cluster.cluster).read();
                List<String> wal = c.walFiles();
                if (output.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("cluster", cluster.cluster);
                    m.put("backups", c.backupWindows().stream().map(ListBackups::json).toList());
                    m.put("walFiles", wal.size());
                    m.put("firstWal", wal.isEmpty() ? null : wal.get(0));
                    m.put("lastWal", wal.isEmpty() ? null : wal.get(wal.size() - 1));
                    m.put("timelines", c.timelines());
                    m.put("recoverable", c.windows());
                    m.put("walGaps", c.gaps().stream().map(PgCommand::gapJson).toList());
                    OutputOptions.printJson(out, m);
                    return ExitCodes.OK;
                }
                for (PgCatalogue.BackupWindow w : c.backupWindows()) {
                    Snapshot s = w.backup();
                    out.printf("%s  stop %s  %s..%s  timeline %s  %s%n", s.shortId(), s.attribute(BaseBackup.STOP_TIME),
                            s.attribute(BaseBackup.START_LSN), s.attribute(BaseBackup.STOP_LSN), s.attribute(BaseBackup.TIMELINE),
                            w.from() == null ? "NOT RESTORABLE: WAL " + w.reach().firstMissing() + " missing"
                                    : "recoverable to " + w.to() + (w.reach().firstMissing() == null ? ""
                                    : " (WAL " + w.reach().firstMissing() + " missing)"));
                }
                for (ArchiveMap.Timeline t : c.timelines()) {
                    out.printf("timeline %d%s: %s%s%n", t.id(), t.parent() == null ? "" : " (from " + t.parent() + " at " + t.branchLsn() + ")",
                            t.archived().isEmpty() ? "no segments" : t.archived().stream()
                                    .map(r -> r.first() + ".." + r.last().substring(16)).collect(java.util.stream.Collectors.joining(", ")),
                            t.missing().isEmpty() ? "" : "  MISSING " + t.missing().stream()
                                    .map(ArchiveMap.Range::label)
                                    .collect(java.util.stream.Collectors.joining(", ")));
                }
                for (PgCatalogue.Gap g : c.gaps()) {
                    out.println(gapLine(g));
                }
                out.printf("%d base backups, %d archived WAL files; recoverable: %s%n", c.backups().size(), wal.size(),
                        c.windows().isEmpty() ? "nothing" : c.windows().stream().map(w -> w.from() + " .. " + w.to())
                                .collect(java.util.stream.Collectors.joining(", ")));
            }
            return ExitCodes.OK;
        }

        private static Map<String, Object> json(PgCatalogue.BackupWindow w) {
            Map<String, Object> m = SnapshotsCommand.json(w.backup());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("from", w.from());
            r.put("to", w.to());
            r.put("lastTransactionLsn", w.lastTransactionLsn());
            r.put("timelines", w.reach().path());
            r.put("lastSegment", w.reach().lastSegment());
            r.put("endLsn", w.reach().endLsn() == null ? null : Lsn.format(w.reach().endLsn()));
            r.put("walMissing", w.reach().firstMissing());
            m.put("recoverable", r);
            return m;
        }
    }

    @Command(name = "verify", description = "Check that every base backup can be recovered: its files are all in the repository (--read-data: and intact), and WAL follows it without a hole to the newest segment.")
    static final class Verify implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin ClusterOption cluster;
        @Spec CommandSpec spec;
        @Option(names = "--read-data", description = "Also read, decrypt and hash every block of each backup's files, as a restore would.") boolean readData;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            boolean ok = true;
            List<Map<String, Object>> json = new ArrayList<>();
            try (Repository repo = repository.open()) {
                PgCatalogue.Catalogue catalogue = new PgCatalogue(repo, cluster.cluster).read();
                if (catalogue.backups().isEmpty()) {
                    throw new CommandFailure("no base backup of cluster '" + cluster.cluster + "' in " + repo.store().location());
                }
                SnapshotCheck files = new SnapshotCheck(repo, readData);
                for (PgCatalogue.BackupWindow w : catalogue.backupWindows()) {
                    Snapshot b = w.backup();
                    ArchiveMap.Reach r = w.reach();
                    SnapshotCheck.Result checked = files.check(b);
                    // WAL that stops at a gap the valve recorded is as far as that backup can go: named by the gap, not damage.
                    PgCatalogue.Gap stopsAt = r.firstMissing() == null ? null : catalogue.gapCovering(r.firstMissing());
                    boolean walOk = r.consistent() && (r.firstMissing() == null || stopsAt != null && !stopsAt.open());
                    ok &= walOk && checked.ok();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("backup", b.id());
                    m.put("filesOk", checked.ok());
                    m.put("fileProblems", checked.problems());
                    m.put("blobsChecked", checked.blobs());
                    m.put("bytesRead", checked.bytesRead());
                    m.put("checksumFailures", b.attribute(BaseBackup.CHECKSUM_FAILURES));
                    m.put("walFrom", r.firstSegment());
                    m.put("walTo", r.lastSegment());
                    m.put("walTimelines", r.path());
                    m.put("missing", r.firstMissing() == null ? List.of() : List.of(r.firstMissing()));
                    m.put("walStopsAtGap", stopsAt == null ? null : stopsAt.gap().fromLsn());
                    m.put("recoverableTo", w.to());
                    json.add(m);
                    if (!output.json) {
                        out.printf("%s  files %s  WAL %s .. %s  %s%n", b.shortId(),
                                checked.ok() ? "ok" : "DAMAGED (" + checked.problemCount() + " problems: " + checked.problems().get(0) + ")",
                                r.firstSegment(), r.lastSegment(),
                                stopsAt != null && r.consistent() ? "up to the WAL gap at " + stopsAt.gap().fromLsn()
                                        : walOk ? "complete" : "MISSING " + r.firstMissing() + (r.consistent() ? "" : " (never consistent)"));
                    }
                }
                List<String> holes = new ArrayList<>();
                for (ArchiveMap.Timeline t : catalogue.timelines()) {
                    t.missing().stream().filter(range -> catalogue.gapCovering(range.first()) == null
                            || catalogue.gapCovering(range.last()) == null).forEach(range -> holes.add(range.label()));
                }
                // A gap the valve opened stays an error until a base backup taken after it closes it.
                List<PgCatalogue.Gap> openGaps = catalogue.openGaps();
                ok &= openGaps.isEmpty();
                if (output.json) {
                    OutputOptions.printJson(out, OutputOptions.object("cluster", cluster.cluster, "ok", ok, "backups", json, "walHoles", holes,
                            "walGaps", catalogue.gaps().stream().map(PgCommand::gapJson).toList()));
                } else {
                    if (!holes.isEmpty()) {
                        out.println("holes in the WAL archive (recovery cannot pass them on their timeline): " + String.join(", ", holes));
                    }
                    for (PgCatalogue.Gap g : catalogue.gaps()) {
                        out.println(gapLine(g));
                    }
                }
            }
            return ok ? ExitCodes.OK : ExitCodes.ERROR;
        }
    }

    @Command(name = "expire", description = "Remove base backups and WAL no longer needed (--keep-full N or --recovery-window 7d); prune then frees the data.")
    static final class Expire implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Mixin ClusterOption cluster;
        @Spec CommandSpec spec;
        @Option(names = "--keep-full", description = "Keep the newest N base backups.") int keepFull;
        @Option(names = "--recovery-window", paramLabel = "DURATION", description = "Keep what recovery to any point of the last DURATION needs, e.g. 7d.") String window;
        @Option(names = "--dry-run", description = "Only print what would be removed.") boolean dryRun;

        @Override
        public Integer call() {
            // Calendar units as forget has them (m = months), measured back from now in this zone.
            java.time.Instant now = java.time.Instant.now();
            java.time.Duration w = window == null ? null : ForgetCommand.parseDuration(window)
                    .cutoff(now, java.time.ZoneId.systemDefault()).map(c -> java.time.Duration.between(c, now))
                    .orElse(java.time.Duration.between(java.time.Instant.MIN, now));
            if (keepFull <= 0 && w == null) {
                throw new CommandFailure("give --keep-full N or --recovery-window DURATION; refusing to expire everything", ExitCodes.USAGE);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.openWithoutIndex()) {
                dr.summit.postgres.restore.PgExpire expire = new dr.summit.postgres.restore.PgExpire(repo, cluster.cluster);
                dr.summit.postgres.restore.PgExpire.Plan plan = expire.plan(keepFull, w, now);
                if (!dryRun) {
                    expire.execute(plan);
                }
                if (output.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("dryRun", dryRun);
                    m.put("kept", plan.keep().stream().map(Snapshot::id).toList());
                    m.put("expired", plan.expire().stream().map(Snapshot::id).toList());
                    m.put("walDeleted", plan.walToDelete().size());
                    OutputOptions.printJson(out, m);
                } else {
                    out.printf("%s %d base backups and %d WAL files; kept %d backups%n", dryRun ? "would remove" : "removed",
                            plan.expire().size(), plan.walToDelete().size(), plan.keep().size());
                }
            }
            return ExitCodes.OK;
        }
    }

    static java.time.Instant parseTime(String text) {
        if (text == null) {
            return null;
        }
        String iso = text.trim().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException e) {
            try {
                java.util.regex.Matcher zoned = java.util.regex.Pattern.compile("([^\\[]+)\\[([^\\]]+)]").matcher(iso);
                if (zoned.matches() && !zoned.group(1).matches(".*([+-]\\d\\d:\\d\\d|Z)$")) {
                    // A local time in a named zone: a time in a DST gap moves forward, an ambiguous
                    // one (clocks going back) means the earlier instant; an offset picks explicitly.
                    return java.time.LocalDateTime.parse(zoned.group(1)).atZone(java.time.ZoneId.of(zoned.group(2))).toInstant();
                }
                return ZonedDateTime.parse(iso).toInstant();
            } catch (java.time.DateTimeException e2) {
                throw new CommandFailure("--target-time needs a time with an explicit zone, e.g. 2026-11-25T14:30:00+01:00, "
                        + "2026-11-25T13:30:00Z or 2026-03-29T02:30:00[Europe/Berlin]; got '" + text + "'", ExitCodes.USAGE);
            }
        }
    }

    /**
     * A connection as libpq would make it from {@code dsn} (URI or key=value pairs, or null) and the
     * PG* variables; what libpq would warn about goes to {@code err}.
     */
    static Connection connect(String dsn, PrintWriter err) {
        return connect(dsn, RepositoryOptions.env, err);
    }

    /** The same with the PG* variables from {@code env} (the client's, when the agent connects for it). */
    static Connection connect(String dsn, java.util.function.Function<String, String> env, PrintWriter err) {
        try {
            PgConnector connector = PgConnector.forDsn(dsn, env);
            connector.warnings().forEach(w -> err.println("warning: " + w));
            err.flush();
            return connector.open();
        } catch (ConnectionSettingsException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        } catch (ConnectionFailedException e) {
            throw new CommandFailure(e.getMessage());
        }
    }

    private static Path envPath(String name, String option) {
        String value = RepositoryOptions.env.apply(name);
        if (value == null) {
            throw new CommandFailure("no data directory: use " + option + " or set " + name, ExitCodes.USAGE);
        }
        return Path.of(value);
    }

    static Map<String, Object> gapJson(PgCatalogue.Gap g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timeline", g.gap().timeline());
        m.put("fromLsn", g.gap().fromLsn());
        m.put("toLsn", g.gap().toLsn());
        m.put("bytes", g.gap().bytes());
        m.put("started", g.gap().started());
        m.put("ended", g.gap().ended());
        m.put("source", g.gap().source());
        m.put("segments", g.gap().segments());
        m.put("reason", g.gap().reason());
        m.put("open", g.open());
        m.put("closedBy", g.closedBy());
        m.put("recoverableAgainFrom", g.closedByStopTime());
        return m;
    }

    /** One line naming a gap and what it means for restore targets. */
    static String gapLine(PgCatalogue.Gap g) {
        return "WAL GAP " + g.gap().describe() + ": " + (g.open()
                ? "OPEN, restore targets from " + g.gap().started() + " on are impossible until a base backup is taken after it"
                : "closed by base backup " + g.closedBy().substring(0, Math.min(8, g.closedBy().length()))
                        + ", targets from " + g.gap().started() + " to " + g.closedByStopTime() + " are impossible");
    }

    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:=@%+-]+") ? s : "'" + s.replace("'", "'\"'\"'") + "'";
    }
}
