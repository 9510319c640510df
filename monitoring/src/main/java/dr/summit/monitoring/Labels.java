package dr.summit.monitoring;

import java.util.regex.Pattern;

/** Guards label values: short names only, so a caller cannot turn an id or a path into a time series. */
final class Labels {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,39}");

    private Labels() {
    }

    static String check(String label, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("metric label " + label + " '" + value
                    + "' is not a short name ([a-z][a-z0-9_-]{0,39}): ids and paths are not labels");
        }
        return value;
    }
}
