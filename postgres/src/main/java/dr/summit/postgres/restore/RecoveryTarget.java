package dr.summit.postgres.restore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where recovery stops. Exactly one of time, lsn, xid, name, immediate, or none (= latest: replay
 * all archived WAL). Renders the recovery_target_* settings PostgreSQL expects.
 */
public record RecoveryTarget(Instant time, String lsn, String xid, String name, boolean immediate, boolean inclusive,
                             String timeline, String action) {

    public RecoveryTarget {
        int set = (time != null ? 1 : 0) + (lsn != null ? 1 : 0) + (xid != null ? 1 : 0) + (name != null ? 1 : 0) + (immediate ? 1 : 0);
        if (set > 1) {
            throw new IllegalArgumentException("give at most one recovery target (time, lsn, xid, name or immediate)");
        }
        if (lsn != null && !lsn.matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}")) {
            throw new IllegalArgumentException("invalid LSN '" + lsn + "' (expected e.g. 0/3000060)");
        }
        if (xid != null && !xid.matches("\\d+")) {
            throw new IllegalArgumentException("invalid transaction id '" + xid + "'");
        }
        if (timeline != null && !timeline.matches("latest|current|[1-9]\\d{0,9}")) {
            throw new IllegalArgumentException("--target-timeline must be latest, current or a timeline number, got '" + timeline + "'");
        }
        if (action != null && !List.of("promote", "pause", "shutdown").contains(action)) {
            throw new IllegalArgumentException("--target-action must be promote, pause or shutdown");
        }
    }

    /** The timeline recovery follows, given the backup's: null for the latest one. */
    public Integer timelineFrom(int backupTimeline) {
        if (timeline == null || timeline.equals("latest")) {
            return null;
        }
        return timeline.equals("current") ? backupTimeline : Integer.valueOf(timeline);
    }

    /** The same target along timeline {@code timeline}. */
    public RecoveryTarget withTimeline(String timeline) {
        return new RecoveryTarget(time, lsn, xid, name, immediate, inclusive, timeline, action);
    }

    public static RecoveryTarget latest() {
        return new RecoveryTarget(null, null, null, null, false, true, null, null);
    }

    public boolean isLatest() {
        return time == null && lsn == null && xid == null && name == null && !immediate;
    }

    /** postgresql.conf lines for this target (values single-quoted and escaped). */
    public List<String> settings() {
        List<String> lines = new ArrayList<>();
        if (time != null) {
            // An explicit UTC offset: PostgreSQL then needs no time zone setting to read it right.
            lines.add("recovery_target_time = " + quote(time.toString().replace("T", " ").replace("Z", "+00")));
        }
        if (lsn != null) {
            lines.add("recovery_target_lsn = " + quote(lsn));
        }
        if (xid != null) {
            lines.add("recovery_target_xid = " + quote(xid));
        }
        if (name != null) {
            lines.add("recovery_target_name = " + quote(name));
        }
        if (immediate) {
            lines.add("recovery_target = 'immediate'");
        }
        if (!isLatest() && !immediate) {
            lines.add("recovery_target_inclusive = " + (inclusive ? "on" : "off"));
        }
        if (timeline != null) {
            lines.add("recovery_target_timeline = " + quote(timeline));
        }
        if (action != null && !isLatest()) {
            lines.add("recovery_target_action = " + quote(action));
        }
        return lines;
    }

    static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
