package dr.summit.repository.snapshot.retention;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which snapshots to keep, in the spirit of {@code restic forget}. See {@link Retention#apply} for the
 * exact meaning of each rule.
 *
 * <p>Counts are {@code 0} for "rule not used", a positive number, or {@link #UNLIMITED}. A policy
 * where no rule is used ({@link #isEmpty()}) keeps nothing; callers must refuse it rather than
 * remove every snapshot, and {@link Retention#apply} refuses it too.
 *
 * @param keepLast    keep the N newest snapshots
 * @param keepHourly  keep the newest snapshot of each of the N most recent hours that have one
 * @param keepDaily   same, per calendar day
 * @param keepWeekly  same, per ISO week (weeks start on Monday and belong to the week-based year)
 * @param keepMonthly same, per calendar month
 * @param keepYearly  same, per calendar year
 * @param keepWithin  keep snapshots at most this long before the group's newest snapshot; {@code null}
 *                    (or zero, normalised to {@code null}) for "not used"
 * @param keepTags    keep every snapshot carrying at least one of these tags; empty for "not used"
 * @param within      the calendar-window rules ({@code --keep-within 6m}, {@code --keep-within-daily 7d});
 *                    {@code null} is normalised to {@link WithinRules#NONE}
 */
public record RetentionPolicy(
        int keepLast,
        int keepHourly,
        int keepDaily,
        int keepWeekly,
        int keepMonthly,
        int keepYearly,
        Duration keepWithin,
        Set<String> keepTags,
        WithinRules within) {

    /** Count value meaning "no limit". */
    public static final int UNLIMITED = -1;

    /**
     * Validates the policy.
     *
     * @throws IllegalArgumentException if a count is below {@code -1}, {@code keepWithin} is negative, or
     *                                  a tag is null or blank
     */
    public RetentionPolicy {
        requireCount("keepLast", keepLast);
        requireCount("keepHourly", keepHourly);
        requireCount("keepDaily", keepDaily);
        requireCount("keepWeekly", keepWeekly);
        requireCount("keepMonthly", keepMonthly);
        requireCount("keepYearly", keepYearly);
        if (keepWithin != null && keepWithin.isNegative()) {
            throw new IllegalArgumentException("keepWithin must not be negative, was " + keepWithin);
        }
        // Zero behaves like an unused count: "keep within 0" would otherwise silently keep only the
        // snapshots sharing the newest timestamp.
        if (keepWithin != null && keepWithin.isZero()) {
            keepWithin = null;
        }
        keepTags = copyTags(keepTags);
        within = within == null ? WithinRules.NONE : within;
    }

    /**
     * A policy without calendar-window rules.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public RetentionPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly,
            int keepYearly, Duration keepWithin, Set<String> keepTags) {
        this(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin, keepTags, WithinRules.NONE);
    }

    /**
     * Starts a policy with every rule unused.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether no rule is used. Such a policy keeps nothing, so it must never be applied.
     *
     * @return {@code true} if every count is 0, {@code keepWithin} is unset, {@code keepTags} is empty
     *         and no calendar-window rule is used
     */
    public boolean isEmpty() {
        return keepLast == 0
                && keepHourly == 0
                && keepDaily == 0
                && keepWeekly == 0
                && keepMonthly == 0
                && keepYearly == 0
                && keepWithin == null
                && keepTags.isEmpty()
                && within.isEmpty();
    }

    private static void requireCount(String name, int value) {
        if (value < UNLIMITED) {
            throw new IllegalArgumentException(
                    name + " must be 0 (not used), a positive count or -1 (unlimited), was " + value);
        }
    }

    // Sorted so that "tag ..." reasons come out in a stable order.
    private static Set<String> copyTags(Set<String> tags) {
        if (tags == null) {
            return Set.of();
        }
        TreeSet<String> sorted = new TreeSet<>();
        for (String tag : tags) {
            if (tag == null || tag.isBlank()) {
                throw new IllegalArgumentException("keepTags must not contain a null or blank tag, was " + tags);
            }
            sorted.add(tag);
        }
        return Collections.unmodifiableSortedSet(sorted);
    }

    /** Builds a {@link RetentionPolicy}; every rule starts unused. */
    public static final class Builder {
        private int keepLast;
        private int keepHourly;
        private int keepDaily;
        private int keepWeekly;
        private int keepMonthly;
        private int keepYearly;
        private Duration keepWithin;
        private final Set<String> keepTags = new TreeSet<>();
        private WithinRules within = WithinRules.NONE;

        private Builder() {
        }

        /**
         * @param n count, or {@link #UNLIMITED}
         * @return this builder
         */
        public Builder keepLast(int n) {
            this.keepLast = n;
            return this;
        }

        /**
         * @param n count, or {@link #UNLIMITED}
         * @return this builder
         */
        public Builder keepHourly(int n) {
            this.keepHourly = n;
            return this;
        }

        /**
         * @param n count, or {@link #UNLIMITED}
         * @return this builder
         */
        public Builder keepDaily(int n) {
            this.keepDaily = n;
            return this;
        }

        /**
         * @param n count, or {@link #UNLIMITED}
         * @return this builder
         */
        public Builder keepWeekly(int n) {
            this.keepWeekly = n;
            return this;
        }

        /**
         * @param n count, or {@link #UNLIMITED}
         * @return this builder
         */
        public Builder keepMonthly(int n) {
            this.keepMonthly = n;
            return this;
        }

        /**
         * @param n count, or {@link #UNLIMITED}
         * @return this builder
         */
        public Builder keepYearly(int n) {
            this.keepYearly = n;
            return this;
        }

        /**
         * @param window how far before the group's newest snapshot to keep everything; null for unused
         * @return this builder
         */
        public Builder keepWithin(Duration window) {
            this.keepWithin = window;
            return this;
        }

        /**
         * Adds tags whose snapshots are always kept.
         *
         * @param tags tags to add
         * @return this builder
         */
        public Builder keepTags(String... tags) {
            return keepTags(Arrays.asList(tags));
        }

        /**
         * Adds tags whose snapshots are always kept.
         *
         * @param tags tags to add
         * @return this builder
         */
        public Builder keepTags(Collection<String> tags) {
            for (String tag : Objects.requireNonNull(tags, "tags")) {
                // A TreeSet cannot hold null, so reject it here with the same message style as build().
                if (tag == null) {
                    throw new IllegalArgumentException("keepTags must not contain a null tag");
                }
                keepTags.add(tag);
            }
            return this;
        }

        /**
         * @param rules the calendar-window rules, e.g. {@code keep within 6m} (six months)
         * @return this builder
         */
        public Builder within(WithinRules rules) {
            this.within = rules;
            return this;
        }

        /**
         * @return the policy
         * @throws IllegalArgumentException if a value is out of range (see {@link RetentionPolicy})
         */
        public RetentionPolicy build() {
            return new RetentionPolicy(
                    keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin, keepTags, within);
        }
    }
}
