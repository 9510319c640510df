package dr.summit.monitoring;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the repository holds that monitoring cares about, as plain values: read once by
 * {@link RepositoryStateReader}, turned into gauges by {@link DrMetrics#refresh} and into the monthly
 * review by {@link ComplianceReport}. Nothing here is a counter: it all survives a restart because it
 * is read back from the repository.
 *
 * @param readAt          when it was read
 * @param lastBackups     newest backup per source (absent: none of that source)
 * @param backups         every backup, oldest first (for the report)
 * @param storedBytes     ciphertext bytes of all indexed blobs (the repository's data size)
 * @param snapshotCount   readable snapshots
 * @param walLagSeconds   worst over PostgreSQL clusters of (read time − newest replayable transaction); null without WAL
 * @param keys            data key and key slot ages
 * @param walGapsOpen     WAL gaps (--max-wal-backlog) no base backup after them closes yet, over all clusters
 * @param walGapBytes     bytes of WAL those open gaps cover
 */
public record RepositoryState(Instant readAt, Map<Source, Backup> lastBackups, List<Backup> backups, long storedBytes,
                              int snapshotCount, Double walLagSeconds, Keys keys, int walGapsOpen, long walGapBytes) {
    public RepositoryState {
        lastBackups = Map.copyOf(lastBackups);
        backups = List.copyOf(backups);
    }

    /** Without WAL gaps (a repository the valve never opened for). */
    public RepositoryState(Instant readAt, Map<Source, Backup> lastBackups, List<Backup> backups, long storedBytes,
                           int snapshotCount, Double walLagSeconds, Keys keys) {
        this(readAt, lastBackups, backups, storedBytes, snapshotCount, walLagSeconds, keys, 0, 0);
    }

    /**
     * One backup as its snapshot records it.
     *
     * @param type          bounded kind of backup ({@code files}, {@code bucket}, {@code base}, …)
     * @param logicalBytes  bytes a restore would write
     * @param storedBytes   new bytes this backup added to the store (after dedup and compression)
     */
    public record Backup(Source source, String type, String shortId, Instant finished, double durationSeconds,
                         long logicalBytes, long storedBytes, long files) {
    }

    /**
     * Key metadata: the current data key's age and the slots'.
     *
     * @param dataKeyCreated  when the current data-key epoch was made
     * @param rotationDays    the repository's rotation policy
     * @param oldestSlot      creation of the oldest key slot (null when none could be read)
     * @param slots           number of key slots
     * @param epochs          data-key epochs still kept for reading
     */
    public record Keys(Instant dataKeyCreated, int rotationDays, Instant oldestSlot, int slots, int epochs) {
    }
}
