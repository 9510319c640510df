package dr.summit.postgres.agent;

import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalFileWriter;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Archives WAL for one cluster without a JVM start per segment. PostgreSQL calls archive_command
 * once per segment and waits; the agent removes that serial cost in two ways: the repository stays
 * open (no key derivation per call), and segments that PostgreSQL has marked ready are uploaded in
 * parallel before archive_command asks for them, so most pushes return at once.
 *
 * <p>A push is acknowledged only when the object is durable in the store: pre-uploads are futures,
 * and a push waits for its file's future (or uploads it now). A failed pre-upload is retried by the
 * push itself, so PostgreSQL always gets the truth.
 */
public final class WalAgent implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WalAgent.class);
    private final WalArchive archive;
    private final WalDirectory walDirectory;
    private final Path pgWal;
    private final ExecutorService uploads;
    private final ScheduledExecutorService scanner;
    private final Map<String, CompletableFuture<WalArchive.Pushed>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong pushed = new AtomicLong();
    private final AtomicLong preUploaded = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastPushed = new AtomicReference<>();
    private final AtomicReference<Instant> lastPushTime = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();

    /**
     * @param pgdata the cluster's data directory: the agent pushes only files in its pg_wal, and
     *               fetches only into it; it need not exist yet (a restore creates it)
     */
    public WalAgent(WalArchive archive, Path pgdata, int parallelism) {
        this.archive = archive;
        this.walDirectory = new WalDirectory(pgdata);
        this.pgWal = walDirectory.path();
        this.uploads = Executors.newFixedThreadPool(parallelism, daemon("summit-wal-upload"));
        this.scanner = Executors.newSingleThreadScheduledExecutor(daemon("summit-wal-scan"));
        scanner.scheduleWithFixedDelay(this::lookAhead, 0, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * archive_command's work: returns when {@code file} is durable in the repository. Only a WAL
     * file directly in the data directory's pg_wal is read ({@link RequestRefused} otherwise).
     */
    public WalArchive.Pushed push(Path file) throws IOException {
        long start = System.nanoTime();
        try (WalDirectory.Source source = walDirectory.openForPush(file)) {
            long bytes = source.channel().size();
            WalArchive.Pushed result = push(source);
            LOG.info("wal-push {} {} bytes {} ms{}", source.name().name(), bytes, millisSince(start),
                    result == WalArchive.Pushed.ALREADY_ARCHIVED ? " (already archived, identical)"
                            : result == WalArchive.Pushed.NOT_STORED_GAP_RECORDED ? " (NOT stored: answered as archived, gap recorded)" : "");
            return result;
        } catch (RequestRefused e) {
            LOG.warn("wal-push {} refused: {}", file, e.getMessage());
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.error("wal-push {} failed after {} ms: {}", file.getFileName(), millisSince(start), e.getMessage());
            throw e;
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private WalArchive.Pushed push(WalDirectory.Source source) throws IOException {
        String name = source.name().name();
        CompletableFuture<WalArchive.Pushed> ahead = inFlight.remove(name);
        if (ahead != null) {
            try {
                WalArchive.Pushed result = ahead.join();
                recordPush(name);
                return result;
            } catch (RuntimeException preUploadFailed) {
                // Fall through: upload it now and report that outcome.
            }
        }
        try {
            WalArchive.Pushed result = archive.push(source.name(), source.channel());
            recordPush(name);
            return result;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            lastError.set(name + ": " + e.getMessage());
            if (dropWhenOverLimit(source, e)) {
                return WalArchive.Pushed.NOT_STORED_GAP_RECORDED;
            }
            throw e;
        }
    }

    private volatile dr.summit.postgres.stream.BacklogValve valve;
    private volatile dr.summit.repository.Repository valveRepo;
    private volatile long nextProbe;

    /**
     * The backlog valve for archive_command ({@code --max-wal-backlog}): a segment the repository
     * cannot store is answered as archived, once the segments waiting in pg_wal (.ready) pass the
     * limit; the gap is recorded, and the repository is probed until it takes the gap records.
     */
    public void valve(dr.summit.postgres.stream.BacklogValve valve, dr.summit.repository.Repository repo) {
        this.valveRepo = repo;
        this.valve = valve;
    }

    /**
     * Backlog = the segments PostgreSQL has marked ready (this one included) × the segment size: what
     * pg_wal keeps because archiving fails. Only whole segments are dropped, never a history file.
     */
    private boolean dropWhenOverLimit(WalDirectory.Source source, Exception e) throws IOException {
        dr.summit.postgres.stream.BacklogValve v = valve;
        WalFileName name = source.name();
        if (v == null || name.kind() != WalFileName.Kind.SEGMENT || !dr.summit.postgres.stream.BacklogValve.unreachable(e)) {
            return false;
        }
        long segmentSize = source.channel().size();
        long backlog = Math.max(1, readyCount()) * segmentSize;
        if (!v.over(backlog)) {
            return false;
        }
        long perFile = dr.summit.postgres.wal.WalSegments.segmentsPerLogicalFile(segmentSize);
        long start = name.segmentNumber(perFile) * segmentSize;
        v.dropped(name.timeline(), start, start + segmentSize, "archive", java.util.List.of(name.name()),
                e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' '));
        LOG.warn("wal-push {} NOT stored: answered as archived (backlog {} bytes over --max-wal-backlog), gap recorded", name.name(), backlog);
        return true;
    }

    /** Writes the journal's gaps into the repository once it is back (every 2 s while any wait). */
    private void probeRepository() {
        dr.summit.postgres.stream.BacklogValve v = valve;
        if (v == null || !v.hasPending() || System.nanoTime() < nextProbe) {
            return;
        }
        nextProbe = System.nanoTime() + 2_000_000_000L;
        v.repositoryBack(valveRepo, archive.cluster());
    }

    private void recordPush(String name) {
        pushed.incrementAndGet();
        lastPushed.set(name);
        lastPushTime.set(Instant.now());
    }

    /** Starts uploads for segments PostgreSQL has marked ready but not yet handed to us. */
    private void lookAhead() {
        probeRepository();
        Path status = pgWal.resolve("archive_status");
        if (!Files.isDirectory(status)) {
            return; // no cluster here (yet): a restore target
        }
        try (DirectoryStream<Path> ready = Files.newDirectoryStream(status, "*.ready")) {
            for (Path marker : ready) {
                String name = marker.getFileName().toString();
                name = name.substring(0, name.length() - ".ready".length());
                Path file = pgWal.resolve(name);
                inFlight.computeIfAbsent(name, n -> CompletableFuture.supplyAsync(() -> {
                    try {
                        WalArchive.Pushed r = archive.push(file);
                        preUploaded.incrementAndGet();
                        return r;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, uploads));
            }
        } catch (IOException | RuntimeException e) {
            lastError.set("scanning " + status + ": " + e.getMessage());
            LOG.warn("scanning {} for ready segments: {}", status, e.getMessage());
        }
        // Futures whose segment PostgreSQL already archived (or recycled) are dropped.
        inFlight.keySet().removeIf(name -> !Files.exists(pgWal.resolve("archive_status").resolve(name + ".ready"))
                && inFlight.get(name) != null && inFlight.get(name).isDone());
    }

    private final Map<String, CompletableFuture<WalArchive.Archived>> prefetched = new ConcurrentHashMap<>();
    private volatile java.util.List<String> archivedNames;
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong prefetchHits = new AtomicLong();
    private static final int PREFETCH = 8;

    /**
     * restore_command's work: writes {@code name} to {@code destination}; false if not archived.
     * Each request also starts downloading the next {@value #PREFETCH} archived segments of the
     * same timeline in parallel, so recovery rarely waits for the store.
     */
    public boolean fetch(String name, Path destination) throws IOException {
        long start = System.nanoTime();
        try {
            boolean found = fetchInto(name, destination);
            if (found) {
                LOG.info("wal-fetch {} {} ms", name, millisSince(start));
            } else {
                LOG.info("wal-fetch {} not archived", name);   // the normal end of recovery's archive phase
            }
            return found;
        } catch (RequestRefused e) {
            LOG.warn("wal-fetch {} refused: {}", name, e.getMessage());
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.error("wal-fetch {} failed after {} ms: {}", name, millisSince(start), e.getMessage());
            throw e;
        }
    }

    private boolean fetchInto(String name, Path destination) throws IOException {
        try {
            WalFileName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new RequestRefused(e.getMessage());
        }
        try (SecureDirectoryStream<Path> directory = walDirectory.openForFetch(destination)) {
            CompletableFuture<WalArchive.Archived> ahead = prefetched.remove(name);
            WalArchive.Archived content = null;
            if (ahead != null) {
                try {
                    content = ahead.join();
                    prefetchHits.incrementAndGet();
                } catch (RuntimeException e) {
                    content = null;
                }
            }
            if (content == null) {
                content = archive.find(name);
            }
            if (content == null) {
                return false;
            }
            WalFileWriter.write(directory, WalDirectory.destinationName(destination), content);
        }
        fetched.incrementAndGet();
        prefetchAfter(name);
        return true;
    }

    private void prefetchAfter(String name) {
        if (!name.matches("[0-9A-F]{24}")) {
            return;
        }
        java.util.List<String> names = archivedNames;
        if (names == null || java.util.Collections.binarySearch(names, name) < 0) {
            names = archivedNames = archive.list();
        }
        int at = java.util.Collections.binarySearch(names, name);
        if (at < 0) {
            return;   // served from streamed pieces, not archived whole: nothing archived follows it
        }
        String timeline = name.substring(0, 8);
        int queued = 0;
        for (int i = at + 1; i < names.size() && queued < PREFETCH; i++) {
            String next = names.get(i);
            if (!next.matches("[0-9A-F]{24}") || !next.startsWith(timeline)) {
                continue;
            }
            queued++;
            prefetched.computeIfAbsent(next, n -> CompletableFuture.supplyAsync(() -> archive.find(n), uploads));
        }
        // Bounded memory: drop prefetched segments that recovery has moved past.
        prefetched.keySet().removeIf(n -> n.compareTo(name) < 0);
    }

    /** Ready segments not yet archived: the archive lag PostgreSQL would report, as a count. */
    public long readyCount() {
        try (DirectoryStream<Path> ready = Files.newDirectoryStream(pgWal.resolve("archive_status"), "*.ready")) {
            long n = 0;
            for (Path ignored : ready) {
                n++;
            }
            return n;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A count that moves whenever the agent did work (a push, a pre-upload, a fetch) and stands
     * still while it idles, with nothing in flight: its process may then hand memory back.
     */
    public long activity() {
        return inFlight.isEmpty() && prefetched.isEmpty()
                ? pushed.get() + preUploaded.get() + fetched.get() + failures.get()
                : -1 - System.nanoTime();   // busy: never equal twice
    }

    /** The data directory this agent serves (absolute, normalized): its pg_wal's parent. */
    public Path pgdata() {
        return pgWal.getParent();
    }

    /** The cluster name this agent archives under. */
    public String cluster() {
        return archive.cluster();
    }

    /** Status for monitoring (stable field names). */
    private volatile java.util.function.Supplier<?> streamStatus;

    /** The WAL receiver running beside the agent ({@code agent --stream}): its status joins /status as "stream". */
    public void streamStatus(java.util.function.Supplier<?> status) {
        this.streamStatus = status;
    }

    public String statusJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pushed", pushed.get());
        m.put("preUploaded", preUploaded.get());
        m.put("failures", failures.get());
        m.put("lastArchivedWal", lastPushed.get());
        m.put("lastArchivedTime", lastPushTime.get() == null ? null : lastPushTime.get().toString());
        m.put("lagSeconds", lastPushTime.get() == null ? null : java.time.Duration.between(lastPushTime.get(), Instant.now()).toSeconds());
        m.put("readySegments", readyCount());
        m.put("fetched", fetched.get());
        m.put("prefetchHits", prefetchHits.get());
        m.put("lastError", lastError.get());
        dr.summit.postgres.stream.BacklogValve v = valve;
        if (v != null) {
            m.put("valve", v.status());
        }
        java.util.function.Supplier<?> stream = streamStatus;
        if (stream != null) {
            m.put("stream", stream.get());
        }
        try {
            return Json.MAPPER.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        scanner.shutdownNow();
        uploads.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
