package dr.summit.postgres.connect;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A connection service file (pg_service.conf) as libpq reads it: {@code [name]} sections of
 * {@code keyword=value} lines, {@code #} comments, surrounding blanks ignored. A service may not
 * name another service.
 */
public final class ServiceFile {
    private ServiceFile() {
    }

    /** The keywords of service {@code name} in {@code text} (read from {@code file}), if it defines it. */
    public static Optional<Map<String, String>> lookup(String text, String file, String name) {
        Map<String, String> found = null;
        int lineNumber = 0;
        for (String raw : text.split("\r?\n")) {
            lineNumber++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (found != null) {
                    break;
                }
                if (!line.endsWith("]")) {
                    throw syntax(file, lineNumber);
                }
                if (line.substring(1, line.length() - 1).equals(name)) {
                    found = new LinkedHashMap<>();
                }
                continue;
            }
            if (found == null) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw syntax(file, lineNumber);
            }
            String keyword = line.substring(0, eq).strip();
            if (keyword.equals("service")) {
                throw new ConnectionSettingsException("service file \"" + file + "\" line " + lineNumber
                        + ": nested service specifications are not supported");
            }
            ConnInfo.checkKeyword(keyword, "service file \"" + file + "\" line " + lineNumber);
            found.putIfAbsent(keyword, line.substring(eq + 1).strip());
        }
        return Optional.ofNullable(found).map(Collections::unmodifiableMap);
    }

    private static ConnectionSettingsException syntax(String file, int line) {
        return new ConnectionSettingsException("syntax error in service file \"" + file + "\", line " + line);
    }
}
