package dr.summit.postgres.stream;

import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalPieces;
import dr.summit.postgres.wal.WalSegments;
import dr.summit.repository.Repository;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where streaming stands, read from both ends: the primary's view of the receiver
 * (pg_stat_replication, its slot) and what the repository holds. {@code durableLsn} is the end of the
 * WAL a restore can replay on the primary's timeline (archived segments and streamed pieces); the lag
 * is measured from the primary's current position to it.
 *
 * @param receiverState    pg_stat_replication.state of the receiver, null when it is not connected
 * @param writeLsn         received by the receiver (not yet durable)
 * @param flushLsn         durable in the repository, as the receiver last reported it
 * @param flushLagSeconds  PostgreSQL's flush_lag for the receiver, null when not connected or idle
 * @param retainedBytes    WAL the slot keeps on the primary (current position minus restart_lsn), null without a slot
 * @param lagBytes         current position minus {@code durableLsn}
 */
public record StreamStatus(String slot, String applicationName, int timeline, String currentLsn, String durableLsn, long lagBytes,
                           String receiverState, String syncState, String writeLsn, String flushLsn, Double flushLagSeconds,
                           boolean slotExists, boolean slotActive, String slotRestartLsn, String slotWalStatus, Long retainedBytes,
                           String maxSlotWalKeepSize, List<String> warnings) {

    /** Reads the status over an ordinary (non-replication) connection to the primary. */
    public static StreamStatus read(Connection conn, Repository repo, String cluster, String slot, String applicationName)
            throws SQLException {
        long current;
        int timeline;
        int segmentSize;
        String keep;
        try (PreparedStatement st = conn.prepareStatement("SELECT pg_current_wal_lsn()::text, (SELECT timeline_id FROM pg_control_checkpoint()),"
                + " (SELECT setting::int FROM pg_settings WHERE name = 'wal_segment_size'), current_setting('max_slot_wal_keep_size')");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            current = Lsn.parse(rs.getString(1));
            timeline = rs.getInt(2);
            segmentSize = rs.getInt(3);
            keep = rs.getString(4);
        }
        String state = null;
        String sync = null;
        String write = null;
        String flush = null;
        Double flushLag = null;
        try (PreparedStatement st = conn.prepareStatement("SELECT state, sync_state, write_lsn::text, flush_lsn::text,"
                + " extract(epoch FROM flush_lag)::float8 FROM pg_stat_replication WHERE application_name = ? ORDER BY backend_start DESC LIMIT 1")) {
            st.setString(1, applicationName);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    state = rs.getString(1);
                    sync = rs.getString(2);
                    write = rs.getString(3);
                    flush = rs.getString(4);
                    double lag = rs.getDouble(5);
                    flushLag = rs.wasNull() ? null : lag;
                }
            }
        }
        boolean exists = false;
        boolean active = false;
        String restart = null;
        String walStatus = null;
        Long retained = null;
        try (PreparedStatement st = conn.prepareStatement("SELECT active, restart_lsn::text, wal_status,"
                + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    exists = true;
                    active = rs.getBoolean(1);
                    restart = rs.getString(2);
                    walStatus = rs.getString(3);
                    long r = rs.getLong(4);
                    retained = rs.wasNull() ? null : r;
                }
            }
        }
        long durable = durableEnd(repo, cluster, timeline, segmentSize);
        List<String> warnings = new ArrayList<>();
        if (!exists) {
            warnings.add("replication slot " + slot + " does not exist: the receiver has not run against this server");
        } else if (!active) {
            warnings.add("replication slot " + slot + " is inactive: the receiver is down and the slot keeps "
                    + (retained == null ? "?" : retained) + " bytes of WAL on the primary");
        }
        if (exists && "-1".equals(keep)) {
            warnings.add("max_slot_wal_keep_size is unlimited: a receiver that stays down lets the slot fill pg_wal");
        }
        if ("lost".equals(walStatus) || "unreserved".equals(walStatus)) {
            warnings.add("replication slot " + slot + " is " + walStatus + ": WAL it needs is or will be removed; drop it, restart the receiver and take a base backup");
        }
        return new StreamStatus(slot, applicationName, timeline, Lsn.format(current), Lsn.format(durable), Math.max(0, current - durable),
                state, sync, write, flush, flushLag, exists, active, restart, walStatus, retained, keep, warnings);
    }

    /** End of the WAL the repository holds on {@code timeline}: the newest segment archived whole, or its streamed prefix. */
    static long durableEnd(Repository repo, String cluster, int timeline, int segmentSize) {
        WalArchive archive = new WalArchive(repo, cluster);
        List<String> names = archive.listWithStreamed();
        long perFile = WalSegments.segmentsPerLogicalFile(segmentSize);
        java.util.Set<String> archived = new java.util.HashSet<>(archive.list());
        for (int i = names.size() - 1; i >= 0; i--) {
            WalFileName name = WalFileName.parse(names.get(i));
            if (name.kind() != WalFileName.Kind.SEGMENT || name.timeline() != timeline) {
                continue;
            }
            long start = name.segmentNumber(perFile) * segmentSize;
            if (archived.contains(name.name())) {
                return start + segmentSize;
            }
            return start + new WalPieces(repo, cluster).durablePrefix(name.name()).length;
        }
        return 0;
    }
}
