package dr.summit.repository.snapshot.retention;

import java.time.Duration;
import java.util.Locale;

/** Formats a duration compactly for keep reasons, e.g. {@code 7d}, {@code 1d12h}, {@code 1h30m}. */
final class DurationLabel {

    private DurationLabel() {
    }

    /** Formats a positive duration, e.g. {@code 1d12h30m}, {@code 1.5s}. */
    static String of(Duration duration) {
        StringBuilder label = new StringBuilder();
        append(label, duration.toDays(), "d");
        append(label, duration.toHoursPart(), "h");
        append(label, duration.toMinutesPart(), "m");
        int seconds = duration.toSecondsPart();
        int nanos = duration.toNanosPart();
        if (seconds != 0 || nanos != 0) {
            label.append(seconds);
            if (nanos != 0) {
                label.append('.').append(String.format(Locale.ROOT, "%09d", nanos).replaceFirst("0+$", ""));
            }
            label.append('s');
        }
        return label.toString();
    }

    private static void append(StringBuilder label, long amount, String unit) {
        if (amount != 0) {
            label.append(amount).append(unit);
        }
    }
}
