package dr.summit.orchestrator.sources;

import dr.summit.files.restore.RestoreResult;
import dr.summit.orchestrator.jobs.JobContext;
import dr.summit.files.backup.Archiver;
import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.connect.PgConnector;
import dr.summit.postgres.restore.PgCatalogue;
import dr.summit.postgres.restore.PgRestore;
import dr.summit.postgres.restore.RecoveryTarget;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.snapshot.Snapshot;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One PostgreSQL cluster's base backups and WAL archive. Plans check the target against the recoverable
 * windows the archive really has (a gap in WAL splits a window), so a target outside them is refused
 * before anything is written. A restore needs {@code restoreCommand} (the restore_command line with %f
 * and %p that fetches WAL from this repository, e.g. {@code summit-dr pg wal-fetch %f %p --cluster C …}).
 */
public final class PostgresSource implements RecoverableSource {
    private final Repository repo;
    private final String name;
    private final String cluster;
    private final String restoreCommand;
    private final Path pgBin;
    private final String dsn;
    private final Path pgdata;

    /** A source the server restores and drills but does not back up. */
    public PostgresSource(Repository repo, String name, String cluster, String restoreCommand, Path pgBin) {
        this(repo, name, cluster, restoreCommand, pgBin, null, null);
    }

    /**
     * @param dsn    libpq connection string for base backups (null: PGHOST… or the socket in /var/run/postgresql as the
     *               server's OS user, as {@code pg backup} defaults)
     * @param pgdata the cluster's data directory, read by base backups (null: the server does not back this cluster up)
     */
    public PostgresSource(Repository repo, String name, String cluster, String restoreCommand, Path pgBin, String dsn, Path pgdata) {
        this.repo = repo;
        this.name = name;
        this.cluster = cluster;
        this.restoreCommand = restoreCommand;
        this.pgBin = pgBin == null ? Path.of("/usr/lib/postgresql/15/bin") : pgBin;
        this.dsn = dsn;
        this.pgdata = pgdata;
    }

    @Override
    public String backupUnavailable() {
        return pgdata != null ? null : "postgres source '" + name + "' has no pgdata: the server backs up a cluster whose data directory"
                + " its config names (keys pgdata and dsn)";
    }

    /** A base backup, as {@code pg backup} takes it ({@link BaseBackup#runAfterNewest}); WAL must reach this repository. */
    @Override
    public Map<String, Object> backUp(JobContext context) throws Exception {
        context.phase("base backup of cluster " + cluster + " from " + pgdata);
        repo.loadIndex();
        PgConnector connector = PgConnector.forDsn(dsn, System::getenv);
        Archiver.Result r;
        try (Connection conn = connector.open()) {
            r = new BaseBackup(repo, Archiver.Options.defaults(ServerHost.name(), System.getProperty("user.name"), "summit-dr server"), cluster)
                    .runAfterNewest(conn, pgdata);
        }
        Snapshot s = r.snapshot();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("snapshot", s.id());
        result.put("cluster", cluster);
        result.put("startLsn", s.attribute(BaseBackup.START_LSN));
        result.put("stopLsn", s.attribute(BaseBackup.STOP_LSN));
        result.put("files", s.summary() == null ? null : s.summary().files());
        result.put("bytesRead", s.summary() == null ? null : s.summary().bytesRead());
        result.put("newPackedBytes", s.summary() == null ? null : s.summary().newPackedBytes());
        String bad = s.attribute(BaseBackup.CHECKSUM_FAILURES);
        if (bad != null && Long.parseLong(bad) > 0) {
            throw new dr.summit.orchestrator.jobs.JobFailure("base backup " + s.shortId() + " of cluster " + cluster + ": " + bad
                    + " pages failed checksum verification (the database is damaged)", result);
        }
        if (!connector.warnings().isEmpty()) {
            result.put("warnings", connector.warnings());
        }
        context.progress(1, s.summary() == null ? 0 : s.summary().totalBytes());
        return result;
    }

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public String name() {
        return name;
    }

    public String cluster() {
        return cluster;
    }

    @Override
    public List<BackupInfo> backups() {
        List<Snapshot> all = new ArrayList<>(new PgRestore(repo, cluster).backups());
        java.util.Collections.reverse(all);
        return all.stream().map(s -> new BackupInfo(s.id(), "postgres", name, Instant.parse(s.attribute(BaseBackup.STOP_TIME)),
                s.summary() == null ? 0 : s.summary().totalBytes(), s.summary() == null ? 0 : s.summary().files(), s.host(), s.tags())).toList();
    }

    /** The recoverable windows (every second inside one can be reached). */
    public List<OutsideWindow.Window> windows() {
        return new PgCatalogue(repo, cluster).read().windows().stream().map(w -> new OutsideWindow.Window(w.from(), w.to())).toList();
    }

    @Override
    public RecoveryPlan plan(RecoveryRequest request) {
        RecoveryTarget target = new RecoveryTarget(request.targetTime(), request.targetLsn(), request.targetXid(), request.targetName(),
                false, true, null, null);
        PgRestore restore = new PgRestore(repo, cluster);
        Snapshot backup;
        BackupRef ref = BackupRef.parse(request.backupId());
        String id = request.backupId();
        if (!ref.latest()) {
            List<Snapshot> matches = restore.backups().stream()
                    .filter(s -> ref.matches(s.id(), Instant.parse(s.attribute(BaseBackup.STOP_TIME)))).toList();
            if (matches.size() != 1) {
                throw new UnknownBackup(matches.isEmpty() ? "no base backup " + id + " of cluster '" + cluster + "'"
                        : "backup id prefix " + id + " is ambiguous (" + matches.size() + " matches)");
            }
            backup = matches.get(0);
        } else {
            try {
                backup = restore.choose(target);
            } catch (RepositoryException e) {
                if (restore.backups().isEmpty()) {
                    throw new UnknownBackup(e.getMessage());
                }
                throw new OutsideWindow(e.getMessage(), windows());
            }
        }
        PgCatalogue.BackupWindow window = new PgCatalogue(repo, cluster).window(backup, target);
        if (window.from() == null) {
            throw new OutsideWindow("base backup " + backup.shortId() + " of cluster '" + cluster
                    + "' cannot be made consistent: WAL it needs is missing from the archive", windows());
        }
        if (request.targetTime() != null && (request.targetTime().isBefore(window.from()) || request.targetTime().isAfter(window.to()))) {
            throw new OutsideWindow("target time " + request.targetTime() + " is outside what cluster '" + cluster
                    + "' can recover to", windows());
        }
        Instant recoversTo = request.targetTime() != null ? request.targetTime() : window.to();
        long bytes = backup.summary() == null ? 0 : backup.summary().totalBytes();
        String walRange = backup.attribute(BaseBackup.START_LSN) + " .. " + (request.targetLsn() != null ? request.targetLsn()
                : window.lastTransactionLsn() != null ? window.lastTransactionLsn() : backup.attribute(BaseBackup.STOP_LSN));
        return new RecoveryPlan(name, "postgres", backup.id(), window.from(), recoversTo, walRange, bytes,
                RecoveryPlan.estimate(bytes), null, new Object[]{backup, target});
    }

    @Override
    public RecoveryPlan randomPoint(Random random) {
        List<OutsideWindow.Window> windows = windows();
        if (windows.isEmpty()) {
            throw new UnknownBackup("cluster '" + cluster + "' has no recoverable window (no consistent base backup)");
        }
        OutsideWindow.Window w = windows.get(random.nextInt(windows.size()));
        long seconds = Math.max(0, Duration.between(w.from(), w.to()).getSeconds());
        Instant at = w.from().plusSeconds(seconds == 0 ? 0 : 1 + (long) (random.nextDouble() * (seconds - 1)));
        return plan(new RecoveryRequest("latest", at.isAfter(w.to()) ? w.to() : at, null, null, null));
    }

    @Override
    public RestoreCheck restore(RecoveryPlan plan, Path target, boolean drill, JobContext context) throws Exception {
        if (restoreCommand == null) {
            throw new SourceUnavailable("postgres source '" + name + "' has no restore_command configured (key restoreCommand)");
        }
        Object[] handle = (Object[]) plan.handle();
        Snapshot backup = (Snapshot) handle[0];
        RecoveryTarget rt = (RecoveryTarget) handle[1];
        context.phase("restoring cluster " + cluster + " from " + backup.shortId());
        RestoreResult r = new PgRestore(repo, cluster).restore(backup, target, rt, restoreCommand);
        List<String> problems = new ArrayList<>(r.failures());
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("backup", backup.id());
        facts.put("files", r.files());
        facts.put("bytes", r.bytes());
        facts.put("recoveryTarget", rt.settings());
        context.progress(0.5, r.bytes());
        if (drill && problems.isEmpty() && r.complete()) {
            // The restored files are the backup's; now prove the cluster recovers and its data reads back.
            context.phase("starting the restored cluster " + cluster + " and checking it (amcheck, row counts)");
            try (PgDrillInstance instance = new PgDrillInstance(pgBin, target)) {
                instance.start(600);
                facts.putAll(instance.check(problems));
            } catch (java.io.IOException e) {
                problems.add(e.getMessage());
            }
        }
        return new RestoreCheck(problems.isEmpty() && r.complete(), problems, facts);
    }
}
