package dr.summit.postgres.wal;

import java.util.regex.Pattern;

/**
 * Names of files PostgreSQL archives: WAL segments ({@code 000000010000000000000002}), timeline
 * history files ({@code 00000002.history}) and backup history files
 * ({@code 000000010000000000000002.00000028.backup}). Anything else is refused, so that an
 * archive_command mistake cannot write arbitrary names into the repository.
 */
public record WalFileName(String name, Kind kind, int timeline) {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
    private static final Pattern BACKUP = Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup");

    /** What the file is. */
    public enum Kind { SEGMENT, PARTIAL, HISTORY, BACKUP_HISTORY }

    public static WalFileName parse(String name) {
        Kind kind;
        if (SEGMENT.matcher(name).matches()) {
            kind = Kind.SEGMENT;
        } else if (PARTIAL.matcher(name).matches()) {
            kind = Kind.PARTIAL;
        } else if (HISTORY.matcher(name).matches()) {
            kind = Kind.HISTORY;
        } else if (BACKUP.matcher(name).matches()) {
            kind = Kind.BACKUP_HISTORY;
        } else {
            throw new IllegalArgumentException("'" + name + "' is not a WAL segment, history or backup history file name");
        }
        return new WalFileName(name, kind, Integer.parseUnsignedInt(name.substring(0, 8), 16));
    }

    /** Segment number within its timeline (log * segmentsPerLog + seg); only for segments. */
    public long segmentNumber(long segmentsPerLogicalFile) {
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        return log * segmentsPerLogicalFile + seg;
    }

    /** The segment name of segment number {@code number} on {@code timeline}. */
    public static String segmentName(int timeline, long number, long segmentsPerLogicalFile) {
        return String.format("%08X%08X%08X", timeline, number / segmentsPerLogicalFile, number % segmentsPerLogicalFile);
    }
}
