package dr.summit.postgres.restore;

import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.basebackup.DataDirectoryLayout;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.snapshot.Snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Restores a PostgreSQL data directory for point-in-time recovery: picks the newest base backup
 * that ended before the target, restores it, writes backup_label (and tablespace_map),
 * recovery.signal and the recovery settings with a restore_command that fetches WAL from the
 * repository. Starting the server is the caller's choice.
 */
public final class PgRestore {
    private final Repository repo;
    private final String cluster;

    public PgRestore(Repository repo, String cluster) {
        this.repo = repo;
        this.cluster = cluster;
    }

    /** The base backups of this cluster, oldest first. */
    public List<Snapshot> backups() {
        return backupsAmong(repo.listSnapshots());
    }

    /** This cluster's base backups among {@code snapshots}, oldest first. */
    public List<Snapshot> backupsAmong(List<Snapshot> snapshots) {
        return snapshots.stream()
                .filter(s -> DataDirectoryLayout.KIND.equals(s.kind()) && cluster.equals(s.attribute(BaseBackup.CLUSTER)))
                .sorted(Comparator.comparing(s -> Instant.parse(s.attribute(BaseBackup.STOP_TIME))))
                .toList();
    }

    /**
     * The newest base backup that ended before the target (for a time or LSN target), else the
     * newest. Backups are ordered by stop time; LSNs grow with it on one timeline.
     */
    public Snapshot choose(RecoveryTarget target) {
        // an unreadable snapshot may be the best backup
        List<Snapshot> all = backupsAmong(repo.requireReadableSnapshots("choose a base backup"));
        if (all.isEmpty()) {
            throw new RepositoryException("no base backup of cluster '" + cluster + "' in " + repo.store().location()
                    + "; run 'summit-dr pg backup' first");
        }
        if (target.lsn() != null) {
            // Recovery must reach the backup's consistency point before it can stop at an LSN.
            long lsn = dr.summit.postgres.wal.Lsn.parse(target.lsn());
            Snapshot best = null;
            for (Snapshot s : all) {
                if (Long.compareUnsigned(dr.summit.postgres.wal.Lsn.parse(s.attribute(BaseBackup.STOP_LSN)), lsn) <= 0) {
                    best = s;
                }
            }
            if (best == null) {
                throw new RepositoryException("no base backup of cluster '" + cluster + "' ended before LSN " + target.lsn()
                        + "; the oldest ended at " + all.get(0).attribute(BaseBackup.STOP_LSN));
            }
            return best;
        }
        if (target.time() != null) {
            Snapshot best = null;
            for (Snapshot s : all) {
                if (!Instant.parse(s.attribute(BaseBackup.STOP_TIME)).isAfter(target.time())) {
                    best = s;
                }
            }
            if (best == null) {
                throw new RepositoryException("no base backup of cluster '" + cluster + "' ended before " + target.time()
                        + "; the oldest ended at " + all.get(0).attribute(BaseBackup.STOP_TIME));
            }
            return best;
        }
        return all.get(all.size() - 1);
    }

    /** The WAL segment size of the cluster a backup was taken of (16 MiB when not recorded). */
    static long segmentSize(Snapshot backup) {
        String recorded = backup.attribute(BaseBackup.WAL_SEGMENT_SIZE);
        return recorded == null ? 16L << 20 : Long.parseLong(recorded);
    }

    /**
     * Restores {@code backup} into {@code pgdata} (absent or empty) and configures recovery.
     *
     * @param restoreCommand the restore_command line, with %f and %p
     */
    public RestoreResult restore(Snapshot backup, Path pgdata, RecoveryTarget target, String restoreCommand)
            throws IOException, InterruptedException {
        return restore(backup, pgdata, target, restoreCommand, Map.of());
    }

    /**
     * Like {@link #restore(Snapshot, Path, RecoveryTarget, String)}; each tablespace goes to its
     * directory at backup time unless {@code tablespaceMap} maps its OID or that directory to another.
     * Every target directory must be absent or empty: nothing is overwritten.
     */
    public RestoreResult restore(Snapshot backup, Path pgdata, RecoveryTarget target, String restoreCommand,
                                 Map<String, Path> tablespaceMap) throws IOException, InterruptedException {
        Path data = pgdata.toAbsolutePath().normalize();
        Map<String, Path> tablespaceTargets = new java.util.TreeMap<>();
        BaseBackup.tablespacesOf(backup).forEach((oid, location) -> tablespaceTargets.put(oid,
                tablespaceMap.getOrDefault(oid, tablespaceMap.getOrDefault(location, Path.of(location))).toAbsolutePath().normalize()));
        for (String key : tablespaceMap.keySet()) {
            if (!tablespaceTargets.containsKey(key) && !BaseBackup.tablespacesOf(backup).containsValue(key)) {
                throw new RepositoryException("--tablespace-map " + key + ": base backup " + backup.shortId()
                        + " has no such tablespace (it has: " + BaseBackup.tablespacesOf(backup) + ")");
            }
        }
        requireEmpty(data, "data directory " + data);
        for (Map.Entry<String, Path> t : tablespaceTargets.entrySet()) {
            requireEmpty(t.getValue(), "tablespace " + t.getKey() + " directory " + t.getValue()
                    + " (map it elsewhere with --tablespace-map " + t.getKey() + "=DIR)");
        }
        deleteIfEmpty(data);
        Path staging = data.resolveSibling(data.getFileName() + ".summit-restore");
        RestoreResult result = new Restorer(repo, Restorer.Options.defaults()).restore(backup, staging);
        if (!result.complete()) {
            throw new RepositoryException("base backup " + backup.shortId() + " could not be restored completely: "
                    + String.join("; ", result.failures().stream().limit(3).toList()));
        }
        Path restoredRoot;
        if (backup.attribute(BaseBackup.DATA_ROOT) != null) {
            restoredRoot = staging.resolve(backup.attribute(BaseBackup.DATA_ROOT));
        } else {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(staging)) {
                restoredRoot = entries.iterator().next();
            }
        }
        Files.move(restoredRoot, data);
        StringBuilder map = new StringBuilder();
        for (Map.Entry<String, Path> t : tablespaceTargets.entrySet()) {
            deleteIfEmpty(t.getValue());
            Files.createDirectories(t.getValue().getParent());
            moveTree(staging.resolve(BaseBackup.TABLESPACE_ROOT_PREFIX + t.getKey()), t.getValue());
            Path link = data.resolve("pg_tblspc").resolve(t.getKey());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, t.getValue());
            map.append(t.getKey()).append(' ').append(t.getValue()).append('\n');
        }
        Files.delete(staging);
        Files.createDirectories(data.resolve("pg_wal"));
        writeOwnedLike(data, "backup_label", backup.attribute(BaseBackup.BACKUP_LABEL));
        if (!tablespaceTargets.isEmpty()) {
            // Recovery re-creates pg_tblspc's links from this file: it names the directories restored to.
            writeOwnedLike(data, "tablespace_map", map.toString());
        } else if (backup.attribute(BaseBackup.TABLESPACE_MAP) != null) {
            writeOwnedLike(data, "tablespace_map", backup.attribute(BaseBackup.TABLESPACE_MAP));
        }
        writeOwnedLike(data, "recovery.signal", "");
        // A backup taken on a hot standby carries its standby.signal: left there, the restored server
        // would wait for a primary as a standby instead of recovering to the target and promoting.
        Files.deleteIfExists(data.resolve("standby.signal"));
        Path autoConf = data.resolve("postgresql.auto.conf");
        StringBuilder conf = new StringBuilder(Files.exists(autoConf) ? withoutRecoverySettings(Files.readString(autoConf, StandardCharsets.UTF_8)) : "");
        conf.append("\n# Added by summit-dr pg restore (backup ").append(backup.id()).append(")\n");
        conf.append("restore_command = ").append(RecoveryTarget.quote(restoreCommand)).append('\n');
        target.settings().forEach(line -> conf.append(line).append('\n'));
        Files.writeString(autoConf, conf, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        return result;
    }

    /** Refuses a directory that has entries (or a file in its place): a restore never writes over anything. */
    public static void requireEmpty(Path dir, String what) throws IOException {
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                if (entries.iterator().hasNext()) {
                    throw new RepositoryException(what + " is not empty; restore into an empty or new directory");
                }
            }
        } else if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new RepositoryException(what + " exists and is not a directory");
        }
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(dir);
        }
    }

    /**
     * Moves a restored tree into place: a rename on one file system; across file systems (a
     * tablespace on another disk) a copy that keeps modes, times and owners, then the source is deleted.
     */
    static void moveTree(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return;
        } catch (java.nio.file.AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException acrossFileSystems) {
            // fall through to copying
        }
        List<Path> all;
        try (var walk = Files.walk(from)) {
            all = walk.toList();
        }
        for (Path source : all) {
            Path target = to.resolve(from.relativize(source).toString());
            Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setOwner(target, Files.getOwner(source, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Files.delete(all.get(i));
        }
    }

    private static final java.util.regex.Pattern RECOVERY_SETTING = java.util.regex.Pattern.compile(
            "^\\s*(restore_command|recovery_target\\w*|recovery_end_command)\\s*=.*$", java.util.regex.Pattern.MULTILINE);

    /**
     * A backup of a server that was itself restored carries that restore's recovery settings in
     * postgresql.auto.conf (a stale recovery_target would stop this recovery early): they are
     * commented out, so only the settings of this restore apply.
     */
    static String withoutRecoverySettings(String conf) {
        return RECOVERY_SETTING.matcher(conf).replaceAll(m -> java.util.regex.Matcher.quoteReplacement("# (superseded by summit-dr pg restore) " + m.group()));
    }

    /** Writes a file owned by the data directory's owner, mode 600, as PostgreSQL requires. */
    private static void writeOwnedLike(Path data, String name, String content) throws IOException {
        Path file = data.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setOwner(file, Files.getOwner(data));
    }
}
