package dr.summit.postgres.wal;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.List;

/**
 * WAL that was acknowledged to PostgreSQL without being stored (the backlog valve: the repository
 * could not store and the primary's pg_wal would otherwise have kept growing). Recovery cannot
 * replay across it: only a base backup that starts at or after {@code toLsn} restores past it.
 *
 * @param timeline the server's timeline while the WAL was dropped
 * @param fromLsn  the first byte not stored (the flush position reported before the gap)
 * @param toLsn    the end of what was acknowledged without storing
 * @param started  when the first byte of it was acknowledged
 * @param ended    when the last was
 * @param source   {@code stream} (the receiver) or {@code archive} (archive_command through the agent)
 * @param segments for {@code archive}: the segments answered without being stored; empty for {@code stream}
 * @param reason   why the repository could not store (its last error)
 */
public record WalGap(int timeline, String fromLsn, String toLsn, Instant started, Instant ended, String source,
                     List<String> segments, String reason) {
    public WalGap {
        segments = segments == null ? List.of() : List.copyOf(segments);
    }

    @JsonIgnore
    public long from() {
        return Lsn.parse(fromLsn);
    }

    @JsonIgnore
    public long to() {
        return Lsn.parse(toLsn);
    }

    /** Bytes of WAL the gap covers. */
    @JsonIgnore
    public long bytes() {
        return Math.max(0, to() - from());
    }

    /** The same gap grown to {@code newTo} (the valve opened again before the repository came back). */
    public WalGap extendedTo(long newTo, Instant when, List<String> moreSegments, String why) {
        List<String> all = new java.util.ArrayList<>(segments);
        moreSegments.stream().filter(s -> !all.contains(s)).forEach(all::add);
        return new WalGap(timeline, fromLsn, Lsn.format(Math.max(to(), newTo)), started, when, source, all, why);
    }

    /** One line for people: "timeline 1, 0/3000000..0/5000000 (32.0 MiB), 2026-12-06T21:40:00Z..21:41:10Z". */
    public String describe() {
        return "timeline " + timeline + " " + fromLsn + ".." + toLsn + " (" + dr.summit.repository.format.HumanSizes.bytes(bytes())
                + ", WAL acknowledged without being stored " + started + " .. " + ended + ")";
    }
}
