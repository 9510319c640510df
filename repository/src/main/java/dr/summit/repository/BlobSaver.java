package dr.summit.repository;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.pack.PackBuilder;
import dr.summit.repository.pack.PackEntry;
import dr.summit.repository.pack.PackFormat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Phaser;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The storing end of the backup pipeline: hash → dedup → compress → encrypt → pack → upload →
 * index. {@link #save} is called concurrently by many workers; it hashes, compresses and encrypts
 * on the calling thread (so work spreads over every core), and a full pack is uploaded by a small
 * pool whose bounded queue pushes back on the workers when the store is the bottleneck.
 *
 * <p>Write order (docs/architecture.md, "Write order"): a pack is stored before any index lists
 * it, and {@link #flush} writes the index files before the caller writes a snapshot.
 *
 * <p>A pack is written into the store's staged object blob by blob as workers fill it (a local
 * directory: the temporary file that becomes the pack; S3: a private spool file uploaded at the
 * end), so packs being filled or waiting for an upload thread hold no heap, and none is copied
 * whole; only a store without staging has its packs joined in memory.
 */
public final class BlobSaver implements AutoCloseable {
    /** Write an index file after this many new entries, so a crash loses little indexing work. */
    private static final int INDEX_FLUSH_ENTRIES = 50_000;

    private final Repository repo;
    private final Map<BlobType, PackBuilder> openPacks = new EnumMap<>(BlobType.class);
    private final ConcurrentHashMap<BlobId, Boolean> inFlight = new ConcurrentHashMap<>();
    // Staged packs not yet committed: discarded by close() if the backup stops before storing them.
    private final java.util.Set<PackBuilder> unstored = ConcurrentHashMap.newKeySet();
    private final ExecutorService uploads;
    private final Phaser pendingUploads = new Phaser(1);
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final List<IndexEntry> unwrittenIndex = new ArrayList<>();
    private final AtomicLong newBlobs = new AtomicLong();
    private final AtomicLong newBytes = new AtomicLong();
    private final AtomicLong storedBytes = new AtomicLong();
    private final AtomicLong packsWritten = new AtomicLong();

    BlobSaver(Repository repo, int uploadThreads) {
        this.repo = repo;
        this.uploads = new ThreadPoolExecutor(uploadThreads, uploadThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(1, uploadThreads)), r -> {
                    Thread t = new Thread(r, "summit-upload");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /** Result of saving one blob. */
    public record Saved(BlobId id, boolean added) {
    }

    /** Saves a blob unless the repository (or this run) already has it. Thread-safe. */
    public Saved save(BlobType type, byte[] data, int offset, int length) {
        return save(type, data, offset, length, false);
    }

    /**
     * Stores a blob even if the index lists it already — for prune, which copies the live blobs
     * of packs it is about to delete.
     */
    public Saved saveAgain(BlobType type, byte[] data) {
        return save(type, data, 0, data.length, true);
    }

    private Saved save(BlobType type, byte[] data, int offset, int length, boolean evenIfIndexed) {
        throwIfFailed();
        BlobId id = repo.hasher().id(type, data, offset, length);
        // Claim first, then look in the index: the uploader adds to the index before releasing
        // its claim, so one of the two checks always sees a blob that is being stored.
        if (inFlight.putIfAbsent(id, Boolean.TRUE) != null) {
            return new Saved(id, false);
        }
        if (!evenIfIndexed && repo.index().contains(id)) {
            inFlight.remove(id);
            return new Saved(id, false);
        }
        byte[] payload = repo.payloads().encode(data, offset, length);
        PackBuilder.Reservation slot;
        while (true) {
            PackBuilder pack;
            synchronized (openPacks) {
                pack = openPacks.computeIfAbsent(type, t -> newPack());
            }
            slot = pack.reserve(type, id, payload.length);
            if (slot != null) {
                break;
            }
            synchronized (openPacks) {
                openPacks.remove(type, pack);
            }
        }
        byte[] ciphertext = slot.encrypt(payload);
        newBlobs.incrementAndGet();
        newBytes.addAndGet(length);
        storedBytes.addAndGet(ciphertext.length);
        if (slot.pack().fill(slot, ciphertext)) {
            synchronized (openPacks) {
                openPacks.remove(type, slot.pack());
            }
            upload(slot.pack());
        }
        return new Saved(id, true);
    }

    public Saved save(BlobType type, byte[] data) {
        return save(type, data, 0, data.length);
    }

    private PackBuilder newPack() {
        int epoch = repo.keyring().currentEpoch();
        byte[] packId = PackBuilder.newPackId();
        var staged = repo.store().stage(PackFormat.objectName(packId));
        PackBuilder pack = new PackBuilder(packId, repo.keyring().dataKey(epoch), epoch, repo.config().packSize(), staged.orElse(null));
        if (staged.isPresent()) {
            unstored.add(pack);
        }
        return pack;
    }

    private void discard(PackBuilder pack) {
        if (pack.staged() != null) {
            pack.staged().close();
            unstored.remove(pack);
        }
    }

    private void upload(PackBuilder pack) {
        pendingUploads.register();
        try {
            uploads.execute(() -> {
                try {
                    if (failure.get() == null) {
                        store(pack);
                    }
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    pendingUploads.arriveAndDeregister();
                }
            });
        } catch (RuntimeException e) {
            pendingUploads.arriveAndDeregister();
            throw e;
        }
    }

    private void store(PackBuilder pack) {
        byte[] packId = pack.packId();
        try {
            if (pack.staged() != null) {
                pack.staged().commit(pack.finishStaged());
            } else {
                repo.store().put(PackFormat.objectName(packId), pack.finish());
            }
        } finally {
            discard(pack);
        }
        packsWritten.incrementAndGet();
        List<IndexEntry> entries = new ArrayList<>();
        for (PackEntry e : pack.entries()) {
            entries.add(new IndexEntry(e.id(), e.type(), packId, pack.epoch(), e.offset(), e.length()));
        }
        // Visible to lookups first, then released from the in-flight set: no window where a
        // concurrent save would miss it and store it twice.
        repo.index().add(entries);
        entries.forEach(e -> inFlight.remove(e.id()));
        List<IndexEntry> toWrite = null;
        synchronized (unwrittenIndex) {
            unwrittenIndex.addAll(entries);
            if (unwrittenIndex.size() >= INDEX_FLUSH_ENTRIES) {
                toWrite = new ArrayList<>(unwrittenIndex);
                unwrittenIndex.clear();
            }
        }
        if (toWrite != null) {
            repo.writeIndexFile(toWrite);
        }
    }

    /**
     * Closes the open packs, waits for every upload and writes the remaining index entries. After
     * it returns, everything saved so far is durable and indexed; a snapshot may reference it.
     */
    public void flush() {
        List<PackBuilder> toClose;
        synchronized (openPacks) {
            toClose = new ArrayList<>(openPacks.values());
            openPacks.clear();
        }
        for (PackBuilder pack : toClose) {
            if (pack.close() && !pack.isEmpty()) {
                upload(pack);
            } else if (pack.isEmpty()) {
                discard(pack);
            }
        }
        pendingUploads.arriveAndAwaitAdvance();
        throwIfFailed();
        List<IndexEntry> rest;
        synchronized (unwrittenIndex) {
            rest = new ArrayList<>(unwrittenIndex);
            unwrittenIndex.clear();
        }
        if (!rest.isEmpty()) {
            repo.writeIndexFile(rest);
        }
    }

    /** Throws the first upload failure, if any; lets callers stop early instead of at flush. */
    public void checkHealthy() {
        throwIfFailed();
    }

    private void throwIfFailed() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    public long newBlobs() {
        return newBlobs.get();
    }

    public long newBytes() {
        return newBytes.get();
    }

    public long storedBytes() {
        return storedBytes.get();
    }

    public long packsWritten() {
        return packsWritten.get();
    }

    @Override
    public void close() {
        uploads.shutdownNow();
        try {
            uploads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Packs of a backup that stopped early: their temporary files go (prune would find them otherwise).
        unstored.forEach(this::discard);
    }
}
