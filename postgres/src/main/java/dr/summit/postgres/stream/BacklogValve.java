package dr.summit.postgres.stream;

import dr.summit.postgres.wal.WalGap;
import dr.summit.postgres.wal.WalGaps;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryConfig;
import dr.summit.repository.store.StoreException;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The opt-in limit on WAL the primary keeps because of Summit DR ({@code --max-wal-backlog}).
 * Under the limit nothing changes: WAL is acknowledged only once durable. Past it, while the
 * repository cannot store, WAL is acknowledged without being stored so that PostgreSQL can recycle
 * it; each such gap is first made durable in a local {@link GapJournal}, written into the repository
 * as soon as it is reachable again ({@link WalGaps}), and then a fresh base backup is started, which
 * closes the gap. Shared by the receiver and the agent's archive_command path (any thread).
 */
public final class BacklogValve {
    /** Takes the base backup that closes a gap; returns what to log ("base backup 1a2b3c4d"). */
    public interface GapCloser {
        String backup() throws Exception;
    }

    private final long limit;
    private final GapJournal journal;
    private final GapCloser closer;
    private final String noCloser;
    private final Consumer<String> log;
    private final AtomicReference<String> closing = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile Thread backupThread;

    /**
     * @param limit    bytes of WAL the primary may keep for us before the valve opens (&gt; 0)
     * @param closer   takes a base backup, or null when this process cannot ({@code noCloser} says why)
     */
    public BacklogValve(long limit, GapJournal journal, GapCloser closer, String noCloser, Consumer<String> log) {
        if (limit <= 0) {
            throw new IllegalArgumentException("--max-wal-backlog must be positive");
        }
        this.limit = limit;
        this.journal = journal;
        this.closer = closer;
        this.noCloser = noCloser;
        this.log = log;
    }

    public long limit() {
        return limit;
    }

    /** Whether {@code backlog} bytes kept on the primary are past the limit. */
    public boolean over(long backlog) {
        return backlog > limit;
    }

    /** An error that means the repository cannot store now (not a refusal such as a WAL mismatch). */
    public static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dr.summit.repository.store.ObjectExistsException) {
                return false;
            }
            if (t instanceof StoreException || t instanceof java.io.UncheckedIOException || t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /** Whether gaps wait in the local journal for the repository. */
    public boolean hasPending() {
        return !journal.pending().isEmpty();
    }

    /** Records, durably, that WAL {@code from..to} was acknowledged without being stored. */
    public WalGap dropped(int timeline, long from, long to, String source, List<String> segments, String reason) {
        WalGap gap = journal.dropped(timeline, from, to, source, segments, reason);
        log.accept("warning: WAL backlog over " + dr.summit.repository.format.HumanSizes.bytes(limit) + " while the repository cannot store ("
                + reason + "): acknowledged WAL without storing it; gap now " + gap.describe() + ", kept in " + journal.file()
                + " until the repository is back");
        return gap;
    }

    /**
     * Whether the repository is reachable: the journal's gaps are written into it (and, when there
     * were any, the closing base backup starts). False while it is not.
     */
    public boolean repositoryBack(Repository repo, String cluster) {
        try {
            if (!repo.store().exists(RepositoryConfig.OBJECT_NAME)) {
                lastError.set("the repository's config object is not there");
                return false;
            }
            List<WalGap> pending = journal.pending();
            WalGaps gaps = new WalGaps(repo, cluster);
            for (WalGap gap : pending) {
                gaps.record(gap);
            }
            journal.written(pending);
            if (!checkedOpenGaps) {
                // A process that died before its closing backup finished left the gap open: take it now.
                checkedOpenGaps = true;
                if (pending.isEmpty() && openGapIn(repo, cluster)) {
                    log.accept("the repository has an open WAL gap that no base backup closes yet");
                    startBackup();
                }
            }
            if (!pending.isEmpty()) {
                log.accept("the repository is reachable again: recorded " + pending.size() + " WAL gap(s) in it ("
                        + String.join("; ", pending.stream().map(WalGap::describe).toList()) + ")");
                startBackup();
            }
            lastError.set(null);
            return true;
        } catch (RuntimeException e) {
            lastError.set(e.getMessage());
            return false;
        }
    }

    private volatile boolean checkedOpenGaps;

    private static boolean openGapIn(Repository repo, String cluster) {
        List<WalGap> gaps = new WalGaps(repo, cluster).list();
        if (gaps.isEmpty()) {
            return false;
        }
        List<dr.summit.repository.snapshot.Snapshot> backups = new dr.summit.postgres.restore.PgRestore(repo, cluster).backups();
        return gaps.stream().anyMatch(g -> backups.stream().noneMatch(b -> dr.summit.postgres.restore.PgCatalogue.closes(b, g)));
    }

    /** Starts the base backup that closes the gaps (once at a time), or says why it cannot. */
    public synchronized void startBackup() {
        if (closer == null) {
            closing.set("cannot take the base backup that closes the gap: " + noCloser + "; run 'summit-dr pg backup'");
            log.accept("warning: " + closing.get());
            return;
        }
        if (backupThread != null && backupThread.isAlive()) {
            return;
        }
        closing.set("base backup running since " + Instant.now());
        log.accept("starting a base backup to close the WAL gap");
        Thread t = new Thread(() -> {
            try {
                String done = closer.backup();
                closing.set(done + " closed the gap at " + Instant.now());
                log.accept(done + " closed the WAL gap");
            } catch (Exception e) {
                closing.set("the base backup that closes the gap failed at " + Instant.now() + ": " + e.getMessage()
                        + "; run 'summit-dr pg backup'");
                log.accept("warning: " + closing.get());
            }
        }, "summit-gap-backup");
        t.setDaemon(true);
        backupThread = t;
        t.start();
    }

    /** For /status: the limit, gaps only in the local journal, and the closing backup's state. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxWalBacklog", limit);
        List<WalGap> pending = journal.pending();
        m.put("gapsNotInRepository", pending.size());
        m.put("gapBytesNotInRepository", pending.stream().mapToLong(WalGap::bytes).sum());
        m.put("gapBackup", closing.get());
        m.put("repositoryError", lastError.get());
        return m;
    }
}
