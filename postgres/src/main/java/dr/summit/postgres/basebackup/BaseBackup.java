package dr.summit.postgres.basebackup;

import dr.summit.files.backup.Archiver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.snapshot.Snapshot;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One base backup with PostgreSQL's non-exclusive low-level API, on one connection held for the
 * whole backup: pg_backup_start, a parallel read of the data directory into a snapshot, then
 * pg_backup_stop, a wait until this repository holds the WAL needed to make the copy consistent
 * ({@link ArchiveWait}) — and only then the snapshot is committed, carrying backup_label,
 * tablespace_map and the LSNs as attributes. A failure anywhere leaves no snapshot, and closing
 * the connection aborts the backup on the server.
 */
public final class BaseBackup {
    public static final String CLUSTER = "pg.cluster";
    public static final String SYSTEM_ID = "pg.systemId";
    public static final String TIMELINE = "pg.timeline";
    public static final String START_LSN = "pg.startLsn";
    public static final String STOP_LSN = "pg.stopLsn";
    public static final String STOP_TIME = "pg.stopTime";
    public static final String BACKUP_LABEL = "pg.backupLabel";
    public static final String TABLESPACE_MAP = "pg.tablespaceMap";
    public static final String WAL_SEGMENT_SIZE = "pg.walSegmentSize";
    public static final String PAGES_CHECKED = "pg.pagesChecked";
    public static final String CHECKSUM_FAILURES = "pg.checksumFailures";
    public static final String CHECKSUM_FAILED_PAGES = "pg.checksumFailedPages";
    /** Name of the data directory's entry at the snapshot root (the others are tablespaces). */
    public static final String DATA_ROOT = "pg.dataRoot";
    /** One line per tablespace: "OID LOCATION" as at backup time; its files are under "pg_tblspc_OID" at the root. */
    public static final String TABLESPACES = "pg.tablespaces";
    public static final String TABLESPACE_ROOT_PREFIX = "pg_tblspc_";
    /** "on", or "off: why" — whether changed relation files were read only where the WAL says they changed. */
    public static final String WAL_DELTA = "pg.walDelta";
    /** Changed relation files read through the WAL's change map; bytes taken from the parent unread. */
    public static final String WAL_DELTA_FILES = "pg.walDeltaFiles";
    public static final String WAL_DELTA_REUSED_BYTES = "pg.walDeltaReusedBytes";
    /** Changed relation files read whole although the map was on, and the first of them with the reason. */
    public static final String WAL_DELTA_FALLBACKS = "pg.walDeltaFallbacks";
    public static final String WAL_DELTA_FALLBACK_FILES = "pg.walDeltaFallbackFiles";

    private final Repository repo;
    private final Archiver.Options options;
    private final String cluster;
    private final long archiveWaitMillis = Long.getLong("summit.pg.archiveWaitSeconds", 600) * 1000;
    /** WAL-derived incrementals only while the WAL to read is at most this many times the database's size. */
    private final double walDeltaMaxRatio = Double.parseDouble(System.getProperty("summit.pg.walDeltaMaxRatio", "1.0"));

    public BaseBackup(Repository repo, Archiver.Options options, String cluster) {
        this.repo = repo;
        this.options = options;
        this.cluster = cluster;
    }

    /**
     * A base backup whose parent is this cluster's newest one (unchanged files are then recognised by their
     * metadata and not read again): what {@code pg backup} and the server's backup jobs run.
     */
    public Archiver.Result runAfterNewest(Connection conn, Path pgdata) throws SQLException, InterruptedException {
        Snapshot newest = repo.listSnapshots().stream()
                .filter(s -> DataDirectoryLayout.KIND.equals(s.kind()) && cluster.equals(s.attribute(CLUSTER)) && s.attribute(STOP_TIME) != null)
                .max(java.util.Comparator.comparing(s -> java.time.Instant.parse(s.attribute(STOP_TIME))))
                .orElse(null);
        return run(conn, pgdata, newest);
    }

    public Archiver.Result run(Connection conn, Path pgdata, Snapshot parent) throws SQLException, InterruptedException {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(CLUSTER, cluster);
        try (Statement st = conn.createStatement()) {
            requireArchiving(st);
            try (ResultSet rs = st.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
                rs.next();
                attributes.put(SYSTEM_ID, Long.toUnsignedString(rs.getLong(1)));
            }
            try (ResultSet rs = st.executeQuery("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'")) {
                rs.next();
                attributes.put(WAL_SEGMENT_SIZE, rs.getString(1));
            }
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_backup_start(?, true)")) {
                ps.setString(1, "summit-dr " + cluster);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    attributes.put(START_LSN, rs.getString(1));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
                rs.next();
                attributes.put(TIMELINE, Integer.toString(rs.getInt(1)));
            }
        }
        boolean checksums;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SHOW data_checksums")) {
            rs.next();
            checksums = "on".equals(rs.getString(1));
        }
        PageVerifier verifier = checksums ? new PageVerifier(pgdata, dr.summit.postgres.wal.Lsn.parse(attributes.get(START_LSN))) : null;
        // Tablespaces live outside the data directory (pg_tblspc holds links to them): each is one
        // more root of the snapshot, named after its OID.
        Map<String, Path> tablespaces = tablespaces(conn);
        List<Path> roots = new java.util.ArrayList<>(List.of(pgdata));
        String dataRoot = pgdata.toAbsolutePath().normalize().getFileName().toString();
        List<String> names = new java.util.ArrayList<>(List.of(dataRoot));
        StringBuilder spaces = new StringBuilder();
        tablespaces.forEach((oid, location) -> {
            roots.add(location);
            names.add(TABLESPACE_ROOT_PREFIX + oid);
            spaces.append(oid).append(' ').append(location).append('\n');
        });
        attributes.put(DATA_ROOT, dataRoot);
        if (!tablespaces.isEmpty()) {
            attributes.put(TABLESPACES, spaces.toString());
        }
        Map<Integer, Path> spaceOids = new java.util.HashMap<>();
        tablespaces.forEach((oid, location) -> spaceOids.put(Integer.parseUnsignedInt(oid), location));
        WalDeltaPlanner.Plan plan = new WalDeltaPlanner(repo, cluster, walDeltaMaxRatio)
                .plan(parent, attributes, server(conn), pgdata, spaceOids);
        Archiver.Layout layout = DataDirectoryLayout.of(pgdata, List.copyOf(tablespaces.values()), verifier);
        Archiver archiver = new Archiver(repo, options.withLayout(plan.delta() == null ? layout : layout.withReuse(plan.delta())));
        return archiver.backup(roots, names, parent, snapshot -> {
            attributes.put(WAL_DELTA, plan.delta() != null ? "on" : "off: " + plan.off());
            if (plan.delta() != null) {
                attributes.put(WAL_DELTA_FILES, Long.toString(plan.delta().filesUsingMap()));
                attributes.put(WAL_DELTA_REUSED_BYTES, Long.toString(archiver.counters().reusedBytes.get()));
                attributes.put(WAL_DELTA_FALLBACKS, Long.toString(plan.delta().fallbacks()));
                if (plan.delta().fallbacks() > 0) {
                    attributes.put(WAL_DELTA_FALLBACK_FILES, String.join("\n", plan.delta().reported()));
                }
            }
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT lsn, labelfile, spcmapfile, now() FROM pg_backup_stop(false)")) {
                rs.next();
                attributes.put(STOP_LSN, rs.getString(1));
                attributes.put(BACKUP_LABEL, rs.getString(2));
                String map = rs.getString(3);
                if (map != null && !map.isEmpty()) {
                    attributes.put(TABLESPACE_MAP, map);
                }
                attributes.put(STOP_TIME, rs.getTimestamp(4).toInstant().toString());
                if (verifier != null) {
                    attributes.put(PAGES_CHECKED, Long.toString(verifier.pagesChecked()));
                    attributes.put(CHECKSUM_FAILURES, Long.toString(verifier.failures()));
                    if (verifier.failures() > 0) {
                        attributes.put(CHECKSUM_FAILED_PAGES, String.join("\n", verifier.reported()));
                    }
                }
            } catch (SQLException e) {
                throw new RepositoryException("pg_backup_stop failed, no snapshot written: " + e.getMessage(), e);
            }
            try {
                new ArchiveWait(repo, cluster, conn, archiveWaitMillis).await(Integer.parseInt(attributes.get(TIMELINE)),
                        attributes.get(START_LSN), attributes.get(STOP_LSN), Long.parseLong(attributes.get(WAL_SEGMENT_SIZE)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RepositoryException("interrupted while waiting for the backup's WAL to be archived; no snapshot written");
            }
            return snapshot.withAttributes(attributes);
        });
    }

    /** What the WAL-derived incremental needs to know of the server. */
    private static WalDeltaPlanner.Server server(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT current_setting('server_version_num')::int, current_setting('block_size')::int,"
                        + " (SELECT setting::bigint FROM pg_settings WHERE name = 'segment_size') * current_setting('block_size')::bigint,"
                        + " current_setting('full_page_writes') = 'on'")) {
            rs.next();
            long databases = 0;
            try (Statement sizes = conn.createStatement();
                 ResultSet d = sizes.executeQuery("SELECT sum(pg_database_size(oid))::bigint FROM pg_database WHERE datallowconn")) {
                databases = d.next() ? d.getLong(1) : 0;
            } catch (SQLException e) {
                databases = 0; // no CONNECT privilege on some database: no size limit then
            }
            return new WalDeltaPlanner.Server(rs.getInt(1), rs.getInt(2), rs.getLong(3), rs.getBoolean(4), databases);
        }
    }

    /** OID → directory of every tablespace outside the data directory. */
    private static Map<String, Path> tablespaces(Connection conn) throws SQLException {
        Map<String, Path> found = new java.util.TreeMap<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT oid, pg_tablespace_location(oid) FROM pg_tablespace ORDER BY oid")) {
            while (rs.next()) {
                String location = rs.getString(2);
                if (location != null && !location.isEmpty()) {
                    found.put(rs.getString(1), Path.of(location));
                }
            }
        }
        return found;
    }

    /** Parses {@link #TABLESPACES}: OID → location at backup time, in OID order. */
    public static Map<String, String> tablespacesOf(Snapshot backup) {
        Map<String, String> map = new java.util.TreeMap<>();
        String text = backup.attribute(TABLESPACES);
        if (text != null) {
            for (String line : text.split("\n")) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    map.put(line.substring(0, space), line.substring(space + 1));
                }
            }
        }
        return map;
    }

    private static void requireArchiving(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT current_setting('archive_mode'), current_setting('archive_command'), pg_is_in_recovery()")) {
            rs.next();
            // A hot standby archives nothing unless archive_mode = always: its backup's WAL comes from
            // the primary's archive_command or the WAL receiver, which ArchiveWait checks in the
            // repository itself.
            if (!rs.getBoolean(3) && ("off".equals(rs.getString(1)) || rs.getString(2).isBlank())) {
                throw new RepositoryException("archive_mode is off or archive_command is empty: a base backup without "
                        + "archived WAL cannot be restored; set archive_command = 'summit-dr pg wal-push %p …'");
            }
        }
    }
}
