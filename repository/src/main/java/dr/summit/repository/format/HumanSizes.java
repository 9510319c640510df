package dr.summit.repository.format;

import java.util.Locale;

/** Byte counts for people ("1.5 GiB"): one format for the CLI's text output and the monitoring report. */
public final class HumanSizes {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB"};

    private HumanSizes() {
    }

    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        int u = -1;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
    }
}
