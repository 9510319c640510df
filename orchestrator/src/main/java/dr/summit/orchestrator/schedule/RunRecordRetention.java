package dr.summit.orchestrator.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which run records of one schedule ({@code orchestrator/schedules/NAME/runs/EPOCHSECOND}, one per due time: 8,760 a
 * year for an hourly schedule) may be deleted. Status and metrics never read them (they read jobs and missed
 * records); a run record only has to outlive every server's attempt to start its due time, since a deleted record
 * could be written again and the run would start twice. A server only ever tries the newest due time that has
 * passed by its clock (a tick, or a catch-up at start, which is the newest missed one), so a record is kept while
 * it is among the {@link #KEEP_NEWEST} newest or its due time is younger than {@link #KEEP_YOUNGER} — far longer than
 * any stall between a server computing a due time and writing its record, and than any clock skew the repository
 * allows (its leases tolerate 5 minutes). Pure: names and a time in, names out.
 */
public final class RunRecordRetention {
    /** The newest run records of a schedule kept whatever their age (a weekly schedule keeps ten weeks). */
    public static final int KEEP_NEWEST = 10;
    /** Run records due this recently are kept whatever their number (an hourly schedule keeps 168). */
    public static final Duration KEEP_YOUNGER = Duration.ofDays(7);
    /** Deletions per pass: a first pass over years of records must not hold the scheduler for long; the next run goes on. */
    public static final int MAX_DELETES = 200;

    private RunRecordRetention() {
    }

    /**
     * The names to delete, oldest first, at most {@code maxDeletes}. {@code names} are one schedule's run records (any
     * order); a name whose last segment is not the 12-digit epoch second is kept (not ours to judge).
     */
    public static List<String> expired(List<String> names, Instant now, int maxDeletes) {
        List<String> dated = new ArrayList<>();
        for (String n : names) {
            if (dueOf(n) != null) {
                dated.add(n);
            }
        }
        dated.sort((a, b) -> Long.compare(dueOf(a), dueOf(b)));
        long youngestDeletable = now.minus(KEEP_YOUNGER).getEpochSecond();
        List<String> out = new ArrayList<>();
        for (String n : dated.subList(0, Math.max(0, dated.size() - KEEP_NEWEST))) {
            if (out.size() >= maxDeletes || dueOf(n) >= youngestDeletable) {
                break; // sorted: every later name is younger still
            }
            out.add(n);
        }
        return out;
    }

    /** The due time (epoch second) a run record's name carries, or null for a name that is not a run record's. */
    static Long dueOf(String name) {
        String last = name.substring(name.lastIndexOf('/') + 1);
        return last.matches("\\d{12}") ? Long.parseLong(last) : null;
    }
}
