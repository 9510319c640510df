package dr.summit.repository.snapshot.retention;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A retention window in calendar units, as operators write it: {@code 6m}, {@code 1y2m3d}, {@code 36h}.
 * The units are those of {@code restic forget --keep-within}: {@code y} years, {@code m} <b>months</b>
 * (never minutes: a policy carried over from restic must keep what it kept there), {@code w} weeks,
 * {@code d} days, {@code h} hours; each unit at most once, in any order.
 *
 * <p>Years and months are calendar arithmetic, not fixed lengths: {@link #cutoff} subtracts them as
 * one number of months from the local date in the zone, and a day of month the target month lacks
 * becomes that month's last day (31 March minus 1m is 28 or 29 February). Weeks and days are local
 * calendar days (a day may be 23 or 25 hours long); hours are elapsed hours.
 *
 * @param years  years, at least 0
 * @param months months, at least 0
 * @param weeks  weeks, at least 0
 * @param days   days, at least 0
 * @param hours  hours, at least 0
 */
public record RetentionDuration(int years, int months, int weeks, int days, int hours) {

    private static final Pattern TERM = Pattern.compile("(\\d{1,9})([ymwdh])");

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a part is negative or every part is zero
     */
    public RetentionDuration {
        if (years < 0 || months < 0 || weeks < 0 || days < 0 || hours < 0) {
            throw new IllegalArgumentException("duration parts must not be negative");
        }
        if (years == 0 && months == 0 && weeks == 0 && days == 0 && hours == 0) {
            throw new IllegalArgumentException("duration must not be zero");
        }
    }

    /**
     * Parses e.g. {@code 7d}, {@code 6m}, {@code 1y2m3d4h}, {@code 2w}.
     *
     * @param text the duration
     * @return the duration
     * @throws IllegalArgumentException with an operator-readable message if {@code text} is not one
     */
    public static RetentionDuration parse(String text) {
        String usage = "invalid duration '" + text + "': use numbers with units y (years), m (months), "
                + "w (weeks), d (days), h (hours), e.g. 7d, 6m, 1y2m3d";
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException(usage);
        }
        int[] parts = new int[5];
        boolean[] seen = new boolean[5];
        Matcher m = TERM.matcher(text);
        int consumed = 0;
        while (consumed < text.length()) {
            if (!m.find(consumed) || m.start() != consumed) {
                throw new IllegalArgumentException(usage);
            }
            int slot = "ymwdh".indexOf(m.group(2).charAt(0));
            if (seen[slot]) {
                throw new IllegalArgumentException("invalid duration '" + text + "': unit '" + m.group(2) + "' given twice");
            }
            seen[slot] = true;
            parts[slot] = Integer.parseInt(m.group(1));
            consumed = m.end();
        }
        try {
            return new RetentionDuration(parts[0], parts[1], parts[2], parts[3], parts[4]);
        } catch (IllegalArgumentException zero) {
            throw new IllegalArgumentException("invalid duration '" + text + "': must be longer than zero");
        }
    }

    /**
     * The earliest instant still inside the window that ends at {@code end}, computed in {@code zone}.
     *
     * @param end  the end of the window (for retention: the group's newest snapshot)
     * @param zone the zone whose calendar months and days are meant
     * @return the cutoff, or empty when it lies before the supported calendar (the window covers all time)
     */
    public Optional<Instant> cutoff(Instant end, ZoneId zone) {
        try {
            ZonedDateTime local = end.atZone(zone)
                    // One subtraction of months, not years then months: 29 Feb 2024 minus 1y1m must be
                    // 29 Jan 2023, not 28 Jan (which years-then-months would give).
                    .minusMonths(12L * years + months)
                    .minusDays(7L * weeks + days)
                    .minusHours(hours);
            return Optional.of(local.toInstant());
        } catch (DateTimeException | ArithmeticException beyondTheCalendar) {
            return Optional.empty();
        }
    }

    /** Whether {@code time} lies in the window that ends at {@code end}: at or after the cutoff. */
    boolean contains(Instant time, Instant end, ZoneId zone) {
        return cutoff(end, zone).map(c -> !time.isBefore(c)).orElse(true);
    }

    /** The canonical text, units in the order y m w d h, e.g. {@code 1y2m3d}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        append(s, years, 'y');
        append(s, months, 'm');
        append(s, weeks, 'w');
        append(s, days, 'd');
        append(s, hours, 'h');
        return s.toString();
    }

    private static void append(StringBuilder s, int amount, char unit) {
        if (amount != 0) {
            s.append(amount).append(unit);
        }
    }
}
