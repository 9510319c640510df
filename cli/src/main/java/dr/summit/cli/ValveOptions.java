package dr.summit.cli;

import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** The WAL backlog valve's options, shared by 'pg stream' and 'agent' (docs/operations.md, "Protect the primary"). */
public final class ValveOptions {
    @Option(names = "--max-wal-backlog", paramLabel = "SIZE", description = {"Opt-in valve that protects the primary: once this much WAL "
            + "(e.g. 2GiB) waits on the primary for us while the repository cannot store, acknowledge it without storing it so PostgreSQL can "
            + "recycle it; the gap is recorded (locally, then in the repository), 'pg list'/'pg verify' name it, and a base backup is started "
            + "when the repository is back. Default: off (WAL waits, and a synchronous primary's commits wait, until the repository is back)."})
    String maxWalBacklog;
    @Option(names = "--gap-journal", paramLabel = "FILE", description = {"Where the valve keeps gaps until the repository is reachable "
            + "(fsynced JSON; default: beside the agent's socket, for 'pg stream' $XDG_STATE_HOME/summit-dr/CLUSTER.wal-gaps.json)."})
    java.nio.file.Path gapJournal;

    /** The --max-wal-backlog limit in bytes, or 0 when the valve is off. */
    long maxWalBacklog() {
        if (maxWalBacklog == null || maxWalBacklog.isBlank()) {
            return 0;
        }
        try {
            long limit = dr.summit.repository.format.HumanSizes.parse(maxWalBacklog);
            if (limit <= 0) {
                throw new IllegalArgumentException("must be positive");
            }
            return limit;
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("--max-wal-backlog " + maxWalBacklog + ": " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    /**
     * The valve, or null when --max-wal-backlog is not given. The base backup that closes a gap
     * connects with {@code dsn} (the receiver's --dsn, without replication) and reads {@code pgdata}; without a data directory
     * the valve says it cannot take it.
     */
    dr.summit.postgres.stream.BacklogValve valve(RepositoryOptions repository, String cluster, String dsn, java.nio.file.Path pgdata,
                                                java.nio.file.Path defaultJournal, PrintWriter err) {
        long limit = maxWalBacklog();
        if (limit == 0) {
            return null;
        }
        java.nio.file.Path journal = gapJournal != null ? gapJournal : defaultJournal;
        java.util.function.Consumer<String> log = line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        };
        dr.summit.postgres.stream.BacklogValve.GapCloser closer = pgdata == null ? null : () -> {
            try (dr.summit.repository.Repository repo = repository.open();
                 java.sql.Connection conn = PgCommand.connect(dsn, err)) {
                dr.summit.files.backup.Archiver.Options options = dr.summit.files.backup.Archiver.Options.defaults(BackupCommand.hostName(),
                        System.getProperty("user.name"), "summit-dr " + Main.VERSION);
                var r = new dr.summit.postgres.basebackup.BaseBackup(repo, options, cluster).run(conn, pgdata, null);
                return "base backup " + r.snapshot().shortId() + " (" + r.snapshot().attribute(dr.summit.postgres.basebackup.BaseBackup.START_LSN)
                        + ".." + r.snapshot().attribute(dr.summit.postgres.basebackup.BaseBackup.STOP_LSN) + ")";
            }
        };
        try {
            return new dr.summit.postgres.stream.BacklogValve(limit, new dr.summit.postgres.stream.GapJournal(journal), closer,
                    "no data directory (--pgdata or PGDATA)", log);
        } catch (java.io.UncheckedIOException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}
