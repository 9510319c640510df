package dr.summit.repository.snapshot.retention;

import java.time.Year;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * The calendar periods of the bucket rules. A bucket is a string that is both the identity of the
 * period and the label shown in a keep reason, so the two can never disagree.
 */
enum Period {
    /**
     * Local hour plus UTC offset, e.g. {@code 2025-10-26T02:00+02:00}. The offset is part of the bucket
     * because when clocks go back the local hour 02:00 happens twice; those are two real hours and
     * count as two buckets.
     */
    HOURLY("hourly") {
        @Override
        String bucket(ZonedDateTime time) {
            return time.toOffsetDateTime().truncatedTo(ChronoUnit.HOURS).toString();
        }
    },
    /** Local calendar date, e.g. {@code 2025-11-20}; a day may be 23 or 25 hours long. */
    DAILY("daily") {
        @Override
        String bucket(ZonedDateTime time) {
            return time.toLocalDate().toString();
        }
    },
    /** ISO week with its week-based year, e.g. {@code 2025-W01} for Monday 2024-12-30. */
    WEEKLY("weekly") {
        @Override
        String bucket(ZonedDateTime time) {
            return String.format(Locale.ROOT, "%d-W%02d",
                    time.get(IsoFields.WEEK_BASED_YEAR), time.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        }
    },
    /** Local calendar month, e.g. {@code 2025-11}. */
    MONTHLY("monthly") {
        @Override
        String bucket(ZonedDateTime time) {
            return YearMonth.from(time).toString();
        }
    },
    /** Local calendar year (not the ISO week-based year), e.g. {@code 2025}. */
    YEARLY("yearly") {
        @Override
        String bucket(ZonedDateTime time) {
            return Year.from(time).toString();
        }
    };

    private final String label;

    Period(String label) {
        this.label = label;
    }

    /** The word that starts this rule's keep reasons, e.g. {@code daily}. */
    String label() {
        return label;
    }

    /** The period {@code time} falls in; equal strings mean the same period. */
    abstract String bucket(ZonedDateTime time);

    /** The count this period's rule has in {@code policy}. */
    int count(RetentionPolicy policy) {
        return switch (this) {
            case HOURLY -> policy.keepHourly();
            case DAILY -> policy.keepDaily();
            case WEEKLY -> policy.keepWeekly();
            case MONTHLY -> policy.keepMonthly();
            case YEARLY -> policy.keepYearly();
        };
    }
}
