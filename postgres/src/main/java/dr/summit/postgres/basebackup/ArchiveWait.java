package dr.summit.postgres.basebackup;

import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalPieces;
import dr.summit.postgres.wal.WalSegments;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Waits until this repository holds every WAL segment a base backup needs, from its start
 * segment to the one holding the byte before its stop point — archived whole, or, for that last
 * segment, streamed by the WAL receiver at least up to the stop point.
 *
 * <p>Why not pg_backup_stop(wait_for_archive = true): PostgreSQL looks at its archive status only
 * once a second, which costs every backup about a second, and it only knows that archive_command
 * succeeded — not where the file went. Watching the repository itself is faster (every 100 ms)
 * and stricter: when PostgreSQL reports a segment archived that this cluster's archive does not
 * have, archive_command writes somewhere else, and the backup fails saying so instead of
 * producing a snapshot that cannot be recovered.
 */
final class ArchiveWait {
    private static final long POLL_MILLIS = 100;
    /** How long a segment PostgreSQL calls archived may stay missing here (a store's listing may lag). */
    private static final long ELSEWHERE_GRACE_MILLIS = 15_000;

    private final Repository repo;
    private final String cluster;
    private final Connection conn;
    private final long timeoutMillis;

    ArchiveWait(Repository repo, String cluster, Connection conn, long timeoutMillis) {
        this.repo = repo;
        this.cluster = cluster;
        this.conn = conn;
        this.timeoutMillis = timeoutMillis;
    }

    void await(int timeline, String startLsn, String stopLsn, long segmentSize) throws InterruptedException {
        long perFile = WalSegments.segmentsPerLogicalFile(segmentSize);
        long first = Lsn.parse(startLsn) / segmentSize;
        long last = Math.max(first, (Lsn.parse(stopLsn) - 1) / segmentSize);
        Set<String> archived = new HashSet<>(new WalArchive(repo, cluster).list());
        Deque<String> missing = new ArrayDeque<>();
        for (long s = first; s <= last; s++) {
            String name = WalFileName.segmentName(timeline, s, perFile);
            if (!archived.contains(name)) {
                missing.add(name);
            }
        }
        long start = System.nanoTime();
        long lastServerCheck = 0;
        long reportedArchivedAt = 0;
        String prefix = WalArchive.prefix(cluster);
        String stopSegment = WalFileName.segmentName(timeline, last, perFile);
        int stopOffset = (int) (Lsn.parse(stopLsn) - last * segmentSize);
        while (!missing.isEmpty()) {
            while (!missing.isEmpty() && (repo.store().exists(prefix + missing.peekFirst())
                    || missing.peekFirst().equals(stopSegment) && streamedTo(stopSegment) >= stopOffset)) {
                missing.removeFirst();
            }
            if (missing.isEmpty()) {
                return;
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed - lastServerCheck >= 2_000) {
                lastServerCheck = elapsed;
                // A segment, or a backup history file named after its segment: either way the
                // archiver has passed that segment (it archives in name order).
                String lastArchived = serverLastArchived();
                String segment = lastArchived == null || lastArchived.length() < 24 ? null : lastArchived.substring(0, 24);
                if (segment != null && segment.substring(0, 8).equals(missing.peekFirst().substring(0, 8))
                        && segment.compareTo(missing.peekFirst()) >= 0) {
                    if (reportedArchivedAt == 0) {
                        reportedArchivedAt = elapsed;
                    } else if (elapsed - reportedArchivedAt >= ELSEWHERE_GRACE_MILLIS) {
                        throw new RepositoryException("PostgreSQL reports WAL segment " + lastArchived + " archived, but cluster '"
                                + cluster + "' in " + repo.store().location() + " does not have " + missing.peekFirst()
                                + ": archive_command archives somewhere else (check its --repo and --cluster, or with --agent the agent's own"
                                + " --repo and --cluster); no snapshot written");
                    }
                }
            }
            if (elapsed >= timeoutMillis) {
                throw new RepositoryException("the WAL of this backup was not archived within " + timeoutMillis / 1000
                        + " s (" + missing.peekFirst() + " is missing), no snapshot written: archive_command is failing or too slow"
                        + archiverStatus(conn) + " (see the server log; -Dsummit.pg.archiveWaitSeconds to wait longer)");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * How far the WAL receiver's pieces cover a segment (0 without a receiver). The segment holding
     * the stop point is the one the archiver does not have yet, and on a standby (no WAL switch
     * there) may not have for a long time: the streamed bytes up to the stop point are enough.
     */
    private int streamedTo(String segment) {
        return new WalPieces(repo, cluster).durablePrefix(segment).length;
    }

    private String serverLastArchived() {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT last_archived_wal FROM pg_stat_archiver")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    /** pg_stat_archiver's last failure, for error messages; empty when it cannot be read. */
    static String archiverStatus(Connection conn) {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT failed_count, last_failed_wal, last_archived_wal FROM pg_stat_archiver")) {
            rs.next();
            return " (pg_stat_archiver: " + rs.getLong(1) + " failures, last failed " + rs.getString(2) + ", last archived "
                    + rs.getString(3) + ")";
        } catch (SQLException e) {
            return "";
        }
    }
}
