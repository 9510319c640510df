package dr.summit.neo4j.backup;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The duration syntax of {@code neo4j backup --full-every/--interval} and the server's {@code [[neo4j]] fullEvery}:
 * a whole number and one unit, "90s", "15m", "12h", "7d", "2w". One parser, so the CLI and the server cannot
 * drift apart in what they accept.
 */
public final class BackupDuration {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})([smhdw])");

    private BackupDuration() {
    }

    /** @throws IllegalArgumentException saying what a valid value looks like (the caller names the option) */
    public static Duration parse(String text) {
        Matcher m = text == null ? null : FORM.matcher(text.strip());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("give a number and a unit s, m, h, d or w (e.g. 60s, 7d)");
        }
        long n = Long.parseLong(m.group(1)); // at most 9 digits: even in weeks, any instant plus it stays representable
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }
}
