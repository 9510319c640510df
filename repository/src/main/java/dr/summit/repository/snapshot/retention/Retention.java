package dr.summit.repository.snapshot.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Applies a {@link RetentionPolicy} to snapshots, like {@code restic forget} but with the semantics
 * below spelled out. Nothing here deletes anything; the result says what may be deleted.
 */
public final class Retention {

    /**
     * Newest first; snapshots taken at the same instant are ordered by id, ascending, and the first
     * counts as the newer one. Every ordering and every "newest" in this package means this order.
     */
    public static final Comparator<SnapshotInfo> NEWEST_FIRST =
            Comparator.comparing(SnapshotInfo::time).reversed().thenComparing(SnapshotInfo::id);

    private Retention() {
    }

    /**
     * Decides which snapshots to keep and which to remove.
     *
     * <p>Snapshots are grouped by host and sorted paths ({@link SnapshotGroup}); the policy is applied
     * to each group on its own, so one host's or one path set's backups never push out another's.
     * Within a group, snapshots are ordered newest first ({@link #NEWEST_FIRST}) and:
     * <ul>
     *   <li><b>keepLast N</b> keeps the N newest snapshots (reason {@code last 1}, {@code last 2}, ...).
     *   <li><b>keepHourly / keepDaily / keepWeekly / keepMonthly / keepYearly N</b> walk the snapshots
     *       newest to oldest and keep a snapshot when its period has not yet had a snapshot kept by the
     *       same rule, stopping once N periods have one. So each rule keeps the newest snapshot of each
     *       of the N most recent periods that have snapshots at all; periods without snapshots do not
     *       count. Periods are computed in {@code zone}: days are local calendar days (23 or 25 hours
     *       long on daylight-saving changes), weeks are ISO weeks starting Monday and numbered in the
     *       ISO week-based year (so 2024-12-30 is in {@code 2025-W01}), months and years are local
     *       calendar months and years. An hour is a local clock hour together with its UTC offset, so
     *       the hour that repeats when clocks go back counts as two hours. Reasons name the period,
     *       e.g. {@code hourly 2025-10-26T02:00+01:00}, {@code daily 2025-11-20},
     *       {@code weekly 2025-W47}, {@code monthly 2025-11}, {@code yearly 2025}.
     *   <li><b>keepWithin D</b> keeps every snapshot taken at or after (newest snapshot of the group
     *       minus D), reason e.g. {@code within 7d}. It is measured from the group's newest snapshot,
     *       not from the current time, so a host that stopped backing up keeps its last D of history.
     *   <li><b>within.all D</b> ({@link RetentionDuration}, calendar units: {@code 6m} is six months)
     *       keeps every snapshot taken at or after the group's newest snapshot minus D, computed in
     *       {@code zone}; reason e.g. {@code within 6m}.
     *   <li><b>within.hourly / daily / weekly / monthly / yearly D</b> keep the newest snapshot of each
     *       period among the snapshots within D of the group's newest; reason e.g.
     *       {@code daily 2025-11-20 within 7d}.
     *   <li><b>keepTags</b> keeps every snapshot carrying one of the tags (reason {@code tag <name>}).
     * </ul>
     * A count of -1 means unlimited, 0 means the rule is not used. A snapshot is kept if any rule keeps
     * it, and its reasons list every rule that does. Consequently, whenever a count rule or keepWithin
     * is used, the newest snapshot of every group is kept.
     *
     * @param snapshots the snapshots, in any order; ids must be unique
     * @param policy    the policy; must not be {@link RetentionPolicy#isEmpty() empty}
     * @param zone      the time zone periods are computed in
     * @return one decision per group, ordered by group (host, then paths); empty if there are no snapshots
     * @throws IllegalArgumentException if the policy is empty (it would remove everything) or two
     *                                  snapshots share an id
     * @throws NullPointerException     if an argument or a snapshot is null
     */
    public static Map<SnapshotGroup, RetentionDecision> apply(
            List<SnapshotInfo> snapshots, RetentionPolicy policy, ZoneId zone) {
        return apply(snapshots, policy, zone, GroupBy.HOST_AND_PATHS);
    }

    /**
     * As {@link #apply(List, RetentionPolicy, ZoneId)}, with the groups formed by {@code groupBy}
     * instead of host and paths.
     */
    public static Map<SnapshotGroup, RetentionDecision> apply(
            List<SnapshotInfo> snapshots, RetentionPolicy policy, ZoneId zone, GroupBy groupBy) {
        Objects.requireNonNull(groupBy, "groupBy");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(zone, "zone");
        // Defence in depth: callers should already have refused, but an empty policy must never turn
        // into "remove every snapshot".
        if (policy.isEmpty()) {
            throw new IllegalArgumentException("retention policy is empty; refusing to remove every snapshot");
        }
        Map<SnapshotGroup, List<SnapshotInfo>> groups = group(snapshots, groupBy);
        Map<SnapshotGroup, RetentionDecision> decisions = new LinkedHashMap<>();
        groups.forEach((group, members) -> {
            members.sort(NEWEST_FIRST);
            decisions.put(group, decide(members, policy, zone));
        });
        return Collections.unmodifiableMap(decisions);
    }

    private static Map<SnapshotGroup, List<SnapshotInfo>> group(List<SnapshotInfo> snapshots, GroupBy groupBy) {
        Map<SnapshotGroup, List<SnapshotInfo>> groups = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        for (SnapshotInfo snapshot : snapshots) {
            Objects.requireNonNull(snapshot, "snapshot");
            // With a duplicate id the tie-break would depend on input order, and "keep" vs "remove"
            // of that id would be ambiguous; it also means the listing is corrupt.
            if (!ids.add(snapshot.id())) {
                throw new IllegalArgumentException("duplicate snapshot id: " + snapshot.id());
            }
            groups.computeIfAbsent(groupBy.groupOf(snapshot), g -> new ArrayList<>()).add(snapshot);
        }
        return groups;
    }

    /** Applies every rule to one group, given newest first. */
    private static RetentionDecision decide(List<SnapshotInfo> newestFirst, RetentionPolicy policy, ZoneId zone) {
        List<List<String>> reasons = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            reasons.add(new ArrayList<>());
        }
        keepLast(newestFirst, policy.keepLast(), reasons);
        for (Period period : Period.values()) {
            keepPerPeriod(newestFirst, period, period.count(policy), zone, reasons);
        }
        if (policy.keepWithin() != null) {
            keepWithin(newestFirst, policy.keepWithin(), reasons);
        }
        WithinRules within = policy.within();
        if (within.all() != null) {
            keepWithinCalendar(newestFirst, within.all(), zone, reasons);
        }
        for (Period period : Period.values()) {
            if (within.of(period) != null) {
                keepPerPeriodWithin(newestFirst, period, within.of(period), zone, reasons);
            }
        }
        keepTagged(newestFirst, policy.keepTags(), reasons);

        List<RetentionDecision.Kept> keep = new ArrayList<>();
        List<SnapshotInfo> remove = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            if (reasons.get(i).isEmpty()) {
                remove.add(newestFirst.get(i));
            } else {
                keep.add(new RetentionDecision.Kept(newestFirst.get(i), reasons.get(i)));
            }
        }
        return new RetentionDecision(keep, remove);
    }

    private static void keepLast(List<SnapshotInfo> newestFirst, int count, List<List<String>> reasons) {
        int limit = count == RetentionPolicy.UNLIMITED ? newestFirst.size() : Math.min(count, newestFirst.size());
        for (int i = 0; i < limit; i++) {
            reasons.get(i).add("last " + (i + 1));
        }
    }

    private static void keepPerPeriod(
            List<SnapshotInfo> newestFirst, Period period, int count, ZoneId zone, List<List<String>> reasons) {
        if (count == 0) {
            return;
        }
        // A set of seen periods rather than "differs from the last kept period": the two agree while
        // local dates only move forward, but where a clock once jumped back across midnight (Sitka,
        // 1867) a day recurs after the next one, and must still be kept once, for its newest snapshot.
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            if (count != RetentionPolicy.UNLIMITED && seen.size() == count) {
                return;
            }
            String bucket = period.bucket(newestFirst.get(i).time().atZone(zone));
            if (seen.add(bucket)) {
                reasons.get(i).add(period.label() + " " + bucket);
            }
        }
    }

    private static void keepWithin(List<SnapshotInfo> newestFirst, Duration window, List<List<String>> reasons) {
        Instant newest = newestFirst.get(0).time();
        String reason = "within " + DurationLabel.of(window);
        for (int i = 0; i < newestFirst.size(); i++) {
            // Compare the gap rather than computing newest - window, which can underflow Instant.MIN.
            if (Duration.between(newestFirst.get(i).time(), newest).compareTo(window) > 0) {
                return; // ordered newest first, so every later one is older still
            }
            reasons.get(i).add(reason);
        }
    }

    private static void keepWithinCalendar(
            List<SnapshotInfo> newestFirst, RetentionDuration window, ZoneId zone, List<List<String>> reasons) {
        Instant newest = newestFirst.get(0).time();
        String reason = "within " + window;
        for (int i = 0; i < newestFirst.size() && window.contains(newestFirst.get(i).time(), newest, zone); i++) {
            reasons.get(i).add(reason);
        }
    }

    private static void keepPerPeriodWithin(List<SnapshotInfo> newestFirst, Period period, RetentionDuration window,
            ZoneId zone, List<List<String>> reasons) {
        Instant newest = newestFirst.get(0).time();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < newestFirst.size() && window.contains(newestFirst.get(i).time(), newest, zone); i++) {
            String bucket = period.bucket(newestFirst.get(i).time().atZone(zone));
            if (seen.add(bucket)) {
                reasons.get(i).add(period.label() + " " + bucket + " within " + window);
            }
        }
    }

    private static void keepTagged(List<SnapshotInfo> newestFirst, Set<String> keepTags, List<List<String>> reasons) {
        if (keepTags.isEmpty()) {
            return;
        }
        for (int i = 0; i < newestFirst.size(); i++) {
            Set<String> tags = newestFirst.get(i).tags();
            for (String tag : keepTags) { // sorted, so reasons come out in a stable order
                if (tags.contains(tag)) {
                    reasons.get(i).add("tag " + tag);
                }
            }
        }
    }
}
