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
        return of(pgdata, java.util.List.of(), verifier);
    }

    /**
     * The layout of a data directory and its tablespaces' directories (the targets of
     * pg_tblspc's links): everything in a tablespace directory is relation data, except
     * temporary files.
     */
    public static Archiver.Layout of(Path pgdata, java.util.List<Path> tablespaces, PageVerifier verifier) {
        Path root = pgdata.toAbsolutePath().normalize();
        java.util.List<Path> spaces = tablespaces.stream().map(t -> t.toAbsolutePath().normalize()).toList();
        // A fuzzy copy: pages change under the reader and tables are dropped during the backup;
        // WAL replay from the backup's start makes the copy consistent.
        return new Archiver.Layout(KIND, p -> skip(root, p) || (inAny(spaces, p) && temporary(p)),
                p -> relationFile(root, p) || inAny(spaces, p), RELATION_CHUNK, true, verifier == null ? null : verifier::inspect);
    }

    private static boolean inAny(java.util.List<Path> roots, Path p) {
        for (Path r : roots) {
            if (p.startsWith(r) && !p.equals(r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean temporary(Path entry) {
        return entry.getFileName().toString().startsWith("pgsql_tmp");
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
