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

    /**
     * A size as people write it: a whole number with an optional binary unit, {@code 2GiB},
     * {@code 512MiB}, {@code 64k}, {@code 1G}, {@code 4096} (bytes). K, M, G, T (with or without
     * iB or B) all count in powers of 1024, as PostgreSQL's own size settings do.
     *
     * @throws IllegalArgumentException naming the text when it is not such a size
     */
    public static long parse(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(?:([KMGTkmgt])(?:i?B)?|B)?").matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 2GiB, 512MiB, 64k, 4096)");
        }
        int shift = m.group(2) == null ? 0 : switch (Character.toUpperCase(m.group(2).charAt(0))) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 40;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
    }
}
