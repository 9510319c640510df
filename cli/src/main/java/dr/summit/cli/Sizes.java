package dr.summit.cli;

import java.util.Locale;

/** Human-readable sizes and rates for text output. */
final class Sizes {
    private Sizes() {
    }

    static String bytes(long n) {
        return dr.summit.repository.format.HumanSizes.bytes(n);
    }

    static String rate(long bytes, long millis) {
        return bytes(millis <= 0 ? 0 : bytes * 1000 / millis) + "/s";
    }

    static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        long s = millis / 1000;
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
