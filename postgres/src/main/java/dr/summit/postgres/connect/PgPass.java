package dr.summit.postgres.connect;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A password file's lines ({@code hostname:port:database:username:password}) matched as libpq
 * matches them: the first matching line wins; a field that is exactly {@code *} matches anything;
 * a backslash makes the next character literal ({@code \:}, {@code \\}, {@code \*}); lines
 * starting with {@code #} are comments. The password ends at the first unescaped colon.
 */
public final class PgPass {
    private final List<List<Field>> entries;

    private PgPass(List<List<Field>> entries) {
        this.entries = entries;
    }

    /** One field: its literal text, or the wildcard. */
    private record Field(String text, boolean wildcard) {
        boolean matches(String value) {
            return wildcard || text.equals(value);
        }
    }

    public static PgPass parse(String text) {
        List<List<Field>> entries = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<Field> fields = fields(line);
            if (fields.size() >= 5) {
                entries.add(fields);
            }
        }
        return new PgPass(entries);
    }

    /** The password of the first line matching all four values, if any. */
    public Optional<String> find(String host, String port, String database, String user) {
        for (List<Field> e : entries) {
            if (e.get(0).matches(host) && e.get(1).matches(port) && e.get(2).matches(database) && e.get(3).matches(user)) {
                // The password field is never a wildcard: "*" there is the password "*".
                return Optional.of(e.get(4).text());
            }
        }
        return Optional.empty();
    }

    private static List<Field> fields(String line) {
        List<Field> fields = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
                escaped = true;
            } else if (c == ':') {
                fields.add(new Field(current.toString(), !escaped && current.toString().equals("*")));
                current.setLength(0);
                escaped = false;
                if (fields.size() == 4) {
                    fields.add(password(line.substring(i + 1)));
                    return fields;
                }
            } else {
                current.append(c);
            }
        }
        return fields;
    }

    private static Field password(String rest) {
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '\\' && i + 1 < rest.length()) {
                p.append(rest.charAt(++i));
            } else if (c == ':') {
                break;
            } else {
                p.append(c);
            }
        }
        return new Field(p.toString(), false);
    }
}
