package dr.summit.repository.snapshot.retention;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a policy for one {@link SnapshotGroup}. Together, {@code keep} and {@code remove}
 * hold every snapshot of the group exactly once; both are ordered newest first.
 *
 * @param keep   the kept snapshots, each with why it was kept
 * @param remove the snapshots no rule keeps
 */
public record RetentionDecision(List<Kept> keep, List<SnapshotInfo> remove) {

    /**
     * Copies both lists.
     *
     * @throws NullPointerException if a list or an element is null
     */
    public RetentionDecision {
        keep = List.copyOf(keep);
        remove = List.copyOf(remove);
    }

    /**
     * The kept snapshots without their reasons, newest first.
     *
     * @return the snapshots of {@link #keep()}
     */
    public List<SnapshotInfo> keptSnapshots() {
        return keep.stream().map(Kept::snapshot).toList();
    }

    /**
     * A kept snapshot and every rule that keeps it, e.g. {@code last 1}, {@code daily 2025-11-20},
     * {@code within 7d}, {@code tag important}.
     *
     * @param snapshot the snapshot
     * @param reasons  why it is kept, in rule order: last, hourly, daily, weekly, monthly, yearly,
     *                 within, calendar windows, tags; never empty
     */
    public record Kept(SnapshotInfo snapshot, List<String> reasons) {

        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException if there is no reason: a snapshot is only kept for one
         */
        public Kept {
            Objects.requireNonNull(snapshot, "snapshot");
            reasons = List.copyOf(reasons);
            if (reasons.isEmpty()) {
                throw new IllegalArgumentException("a kept snapshot needs a reason: " + snapshot.id());
            }
        }
    }
}
