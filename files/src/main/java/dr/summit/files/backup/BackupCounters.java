package dr.summit.files.backup;

import java.util.concurrent.atomic.AtomicLong;

/** Live counters of a backup run; progress displays read them while the pipeline updates them. */
public final class BackupCounters {
    public final AtomicLong files = new AtomicLong();
    public final AtomicLong directories = new AtomicLong();
    public final AtomicLong others = new AtomicLong();
    public final AtomicLong totalBytes = new AtomicLong();
    public final AtomicLong newFiles = new AtomicLong();
    public final AtomicLong changedFiles = new AtomicLong();
    public final AtomicLong unchangedFiles = new AtomicLong();
    public final AtomicLong unchangedBytes = new AtomicLong();
    public final AtomicLong bytesRead = new AtomicLong();
    /** Bytes of changed files taken from the parent snapshot unread (see Archiver.ChunkReuse). */
    public final AtomicLong reusedBytes = new AtomicLong();
    public final AtomicLong changedDuringBackup = new AtomicLong();
    public final AtomicLong unreadable = new AtomicLong();
    /** Totals found by the scanner, for ETA; -1 while unknown. */
    public final AtomicLong scannedFiles = new AtomicLong(-1);
    public final AtomicLong scannedBytes = new AtomicLong(-1);
}
