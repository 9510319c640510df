package dr.summit.repository.maintenance;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.pack.PackEntry;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.pack.PackReader;
import dr.summit.repository.snapshot.Snapshot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Checks a repository: every snapshot's trees and chunks are indexed, every indexed pack exists,
 * and — with read-data — every blob of the chosen packs decrypts, decompresses and hashes to its
 * id. Damage is reported by pack, with the snapshots it affects.
 */
public final class Verifier {
    private final Repository repo;
    private final int threads;
    private final java.util.concurrent.atomic.AtomicLong packsDone = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong bytesDone = new java.util.concurrent.atomic.AtomicLong();
    private volatile long packsPlanned;

    /** Progress of the read-data phase: packs checked, bytes read, packs planned (0 until known). */
    public long[] progress() {
        return new long[]{packsDone.get(), bytesDone.get(), packsPlanned};
    }

    public Verifier(Repository repo, int threads) {
        this.repo = repo;
        this.threads = threads;
    }

    /**
     * @param damagedPacks pack id (hex) → problem, for packs that failed to read
     * @param affected     pack id or "missing blobs" → ids of snapshots that reference it
     */
    public record Report(int snapshots, long blobsReferenced, int packsIndexed, int packsRead, long bytesRead,
                         List<String> errors, List<String> warnings, Map<String, String> damagedPacks,
                         Map<String, Set<String>> affected) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    /** @param readFraction 0 = structure only, 1 = every pack, else a random share of packs */
    public Report verify(double readFraction) throws InterruptedException {
        return verify(packs -> {
            if (readFraction >= 1.0) {
                return packs;
            }
            List<String> shuffled = new ArrayList<>(packs);
            Collections.shuffle(shuffled, new Random());
            return new ArrayList<>(shuffled.subList(0, (int) Math.ceil(shuffled.size() * Math.max(0, readFraction))));
        });
    }

    /**
     * Checks the structure and reads the packs {@code choosePacks} picks from the readable indexed packs
     * (hex ids, sorted); the orchestrator's rolling verify picks a stable slice so a cycle covers them all.
     */
    public Report verify(java.util.function.UnaryOperator<List<String>> choosePacks) throws InterruptedException {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        List<String> warnings = new ArrayList<>();
        for (String damagedIndex : repo.damagedIndexFiles()) {
            errors.add("index file damaged and skipped: " + damagedIndex
                    + " (its packs are re-indexed from their trailers by the next backup)");
        }
        List<Snapshot> snapshots = repo.listSnapshots();
        for (String damagedSnapshot : repo.damagedSnapshots()) {
            errors.add("snapshot object damaged: " + damagedSnapshot);
        }

        Set<BlobId> missing = new HashSet<>();
        long[] referenced = {0};
        ReferenceWalker walker = new ReferenceWalker(repo);
        for (Snapshot s : snapshots) {
            try {
                walker.walk(s, (snap, type, id, path) -> {
                    referenced[0]++;
                    if (!repo.isReadable(id) && missing.add(id)) {
                        errors.add("snapshot " + snap.shortId() + ": " + path + ": " + type.name().toLowerCase()
                                + " blob " + id.shortHex() + " is not in any pack");
                    }
                });
            } catch (RepositoryException e) {
                errors.add("snapshot " + s.shortId() + ": " + e.getMessage());
            }
        }

        Set<String> indexedPacks = new TreeSet<>();
        repo.index().forEach(e -> indexedPacks.add(HexFormat.of().formatHex(e.packId())));
        Set<String> storedPacks = new HashSet<>();
        for (String name : repo.store().list("data/")) {
            byte[] id = PackFormat.idFromName(name);
            if (id != null) {
                storedPacks.add(HexFormat.of().formatHex(id));
            }
        }
        Map<String, String> damaged = new TreeMap<>();
        for (String pack : indexedPacks) {
            if (!storedPacks.contains(pack)) {
                damaged.put(pack, "listed in the index but missing from the store");
                errors.add("pack " + pack + " (" + PackFormat.objectName(HexFormat.of().parseHex(pack)) + "): missing from the store");
            }
        }
        Set<String> marked = PruneMark.markedPacks(repo.store());
        long awaitingSweep = storedPacks.stream().filter(p -> !indexedPacks.contains(p) && marked.contains(p)).count();
        if (awaitingSweep > 0) {
            warnings.add(awaitingSweep + " packs are marked by a prune and wait for their sweep (readers still find their blobs)");
        }
        long unindexed = storedPacks.stream().filter(p -> !indexedPacks.contains(p) && !marked.contains(p)).count();
        if (unindexed > 0) {
            warnings.add(unindexed + " packs are not in any index (left by an interrupted backup; the next backup adopts them, prune removes unused ones)");
        }

        List<String> readable = new ArrayList<>(indexedPacks);
        readable.removeAll(damaged.keySet());
        List<String> toRead = new ArrayList<>(choosePacks.apply(List.copyOf(readable)));
        packsPlanned = toRead.size();
        long bytesRead = readPacks(toRead, damaged, errors);

        Map<String, Set<String>> affected = affectedSnapshots(snapshots, damaged.keySet(), missing);
        return new Report(snapshots.size(), referenced[0], indexedPacks.size(), toRead.size(), bytesRead,
                List.copyOf(errors), warnings, damaged, affected);
    }

    private long readPacks(List<String> packs, Map<String, String> damaged, List<String> errors) throws InterruptedException {
        if (packs.isEmpty()) {
            return 0;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long[] bytes = {0};
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String pack : packs) {
                futures.add(pool.submit(() -> {
                    String problem = checkPack(HexFormat.of().parseHex(pack), bytes);
                    if (problem != null) {
                        synchronized (damaged) {
                            damaged.put(pack, problem);
                        }
                        errors.add("pack " + pack + ": " + problem);
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new RepositoryException("verify worker failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return bytes[0];
    }

    /** Reads a whole pack and checks every blob; returns a problem description or null. */
    private String checkPack(byte[] packId, long[] bytes) {
        String name = PackFormat.objectName(packId);
        byte[] pack;
        try {
            pack = repo.store().get(name);
        } catch (RepositoryException e) {
            return e.getMessage();
        }
        synchronized (bytes) {
            bytes[0] += pack.length;
        }
        bytesDone.addAndGet(pack.length);
        packsDone.incrementAndGet();
        List<PackEntry> entries;
        try {
            entries = PackReader.list(pack, packId, repo::dataKey);
        } catch (RepositoryException e) {
            return e.getMessage();
        }
        int epoch = PackReader.footer(java.util.Arrays.copyOfRange(pack, pack.length - PackFormat.FOOTER_BYTES, pack.length),
                name, pack.length).epoch();
        for (PackEntry e : entries) {
            try {
                repo.decodeBlob(e.type(), e.id(), new BlobLocation(packId, epoch, e.type(), e.offset(), e.length()), pack, e.offset());
            } catch (CorruptObjectException ex) {
                return ex.getMessage();
            }
        }
        return null;
    }

    private Map<String, Set<String>> affectedSnapshots(List<Snapshot> snapshots, Set<String> damagedPacks, Set<BlobId> missing) {
        Map<String, Set<String>> affected = new TreeMap<>();
        if (damagedPacks.isEmpty() && missing.isEmpty()) {
            return affected;
        }
        Map<String, String> cache = new HashMap<>();
        for (Snapshot s : snapshots) {
            ReferenceWalker walker = new ReferenceWalker(repo);
            try {
                walker.walk(s, (snap, type, id, path) -> {
                    if (missing.contains(id)) {
                        affected.computeIfAbsent("missing blobs", k -> new TreeSet<>()).add(snap.id());
                        return;
                    }
                    BlobLocation loc = repo.locate(id);
                    if (loc != null) {
                        String pack = cache.computeIfAbsent(loc.packHex(), k -> k);
                        if (damagedPacks.contains(pack)) {
                            affected.computeIfAbsent(pack, k -> new TreeSet<>()).add(snap.id());
                        }
                    }
                });
            } catch (RepositoryException e) {
                affected.computeIfAbsent("unreadable trees", k -> new TreeSet<>()).add(s.id());
            }
        }
        return affected;
    }
}
