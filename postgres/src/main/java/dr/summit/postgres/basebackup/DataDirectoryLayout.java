package dr.summit.postgres.basebackup;

import dr.summit.files.backup.Archiver;

import java.nio.file.Path;
import java.util.Set;

/**
 * What a base backup reads of a data directory, following PostgreSQL's documentation on the
 * low-level backup API: the contents of pg_wal and of the runtime directories are left out (the
 * directories themselves are kept, empty), as are the postmaster's pid and options files, relcache
 * init files and temporary files. Relation files (base/, global/) are cut into fixed 256 KiB
 * chunks — 32 pages — so that a page that did not change deduplicates against the last backup.
 */
public final class DataDirectoryLayout {
    public static final String KIND = "postgres";
    public static final int RELATION_CHUNK = 256 * 1024;
    private static final Set<String> CONTENTS_SKIPPED = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    private static final Set<String> FILES_SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "backup_label.old", "tablespace_map.old");

    private DataDirectoryLayout() {
    }

    public static Archiver.Layout of(Path pgdata) {
        return of(pgdata, null);
    }

    /** The layout, verifying page checksums with {@code verifier} when it is not null. */
    public static Archiver.Layout of(Path pgdata, PageVerifier verifier) {
        Path root = pgdata.toAbsolutePath().normalize();
        // A fuzzy copy: pages change under the reader and tables are dropped during the backup;
        // WAL replay from the backup's start makes the copy consistent.
        return new Archiver.Layout(KIND, p -> skip(root, p), p -> relationFile(root, p), RELATION_CHUNK, true,
                verifier == null ? null : verifier::inspect);
    }

    static boolean skip(Path root, Path entry) {
        if (!entry.startsWith(root) || entry.equals(root)) {
            return false;
        }
        Path rel = root.relativize(entry);
        String name = entry.getFileName().toString();
        if (rel.getNameCount() == 2 && CONTENTS_SKIPPED.contains(rel.getName(0).toString())) {
            return true;
        }
        if (rel.getNameCount() == 1 && FILES_SKIPPED.contains(name)) {
            return true;
        }
        return name.equals("pg_internal.init") || name.startsWith("pgsql_tmp");
    }

    static boolean relationFile(Path root, Path file) {
        if (!file.startsWith(root)) {
            return false;
        }
        String first = root.relativize(file).getName(0).toString();
        return first.equals("base") || first.equals("global");
    }
}
