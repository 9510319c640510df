package dr.summit.orchestrator.sources;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code backupId} as clients send it: "latest", a snapshot id or prefix (4+ hex digits), or a name
 * like the seed's ({@code full-20251120T020000Z}, {@code summit-backup-disaster_recovery-latest}): a
 * name ending in "latest" means the newest, one ending in a UTC timestamp the backup taken at that second.
 */
public record BackupRef(boolean latest, String idPrefix, Instant takenAt) {
    private static final Pattern STAMP = Pattern.compile(".*?(\\d{8}T\\d{6}Z)$");
    private static final DateTimeFormatter BASIC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    public static BackupRef parse(String ref) {
        if (ref == null || ref.equals("latest") || ref.endsWith("-latest")) {
            return new BackupRef(true, null, null);
        }
        Matcher m = STAMP.matcher(ref);
        if (m.matches()) {
            return new BackupRef(false, null, LocalDateTime.parse(m.group(1), BASIC).toInstant(ZoneOffset.UTC));
        }
        if (!ref.matches("[0-9a-f]{4,64}")) {
            throw new IllegalArgumentException("backupId: use 'latest', a backup id (4 or more hex digits) or a name ending in a UTC time like full-20251120T020000Z");
        }
        return new BackupRef(false, ref, null);
    }

    public boolean matches(String id, Instant time) {
        if (latest) {
            return true;
        }
        if (idPrefix != null) {
            return id.startsWith(idPrefix);
        }
        return time.truncatedTo(ChronoUnit.SECONDS).equals(takenAt);
    }
}
