package dr.summit.files.backup;

/** Something the backup skipped or could not capture exactly; the run still commits a snapshot. */
public record BackupWarning(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
