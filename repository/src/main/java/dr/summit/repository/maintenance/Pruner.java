package dr.summit.repository.maintenance;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.lease.Lease;
import dr.summit.repository.lease.LeaseHolder;
import dr.summit.repository.lease.LeaseTimes;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.ObjectStore;
import java.time.Instant;
import java.util.TreeSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes data that no snapshot references, while backups keep running (docs/repository-format.md,
 * "Prune"). Plans from the index and the trees alone (no pack is downloaded to decide), repacks
 * partly used packs until at most {@code maxUnused} of the stored bytes are garbage, and deletes in
 * two phases:
 * <ol>
 *   <li><b>mark</b>: the packs to go are written to a {@link PruneMark} plan, then a complete new
 *       index without them replaces the index files this prune read, then the mark is made ready
 *       with the time the old index was gone;</li>
 *   <li><b>sweep</b> (this run or a later one): a ready mark's packs are deleted once no lease
 *       taken before that time (plus the clock-skew bound) is alive, except packs holding a blob
 *       that a snapshot committed after the mark needs: those are indexed again.</li>
 * </ol>
 * A crash at any step leaves every blob a snapshot needs in a pack that exists and is indexed or
 * marked-and-not-yet-deleted; the next prune finishes the job.
 */
public final class Pruner {
    private static final int INDEX_FILE_ENTRIES = 100_000;

    private final Repository repo;

    public Pruner(Repository repo) {
        this.repo = repo;
    }

    /** What prune will do; computed without changing anything (so --dry-run prints it). */
    public record Plan(int packs, int packsToDelete, int packsToRepack, long storedBytes, long unusedBytes,
                       long bytesToDelete, long liveBytesToRepack, Set<String> deletePacks, Set<String> repackPacks,
                       Set<BlobId> live, List<String> snapshotIds) {
    }

    /** What the sweep did: packs deleted, packs kept because new snapshots need them, marks still waiting on leases. */
    public record Sweep(int marksCompleted, int packsDeleted, long bytesFreed, int packsResurrected, int marksWaiting,
                        List<String> waitingOn) {
    }

    public record Result(Plan plan, int packsMarked, int packsWritten, int indexFilesWritten, int indexFilesDeleted,
                         Sweep sweep, int expiredLeasesRemoved) {
        public int packsDeleted() {
            return sweep.packsDeleted();
        }

        public long bytesFreed() {
            return sweep.bytesFreed();
        }
    }

    public Plan plan(double maxUnused) {
        return plan(maxUnused, Set.of());
    }

    /**
     * The plan; packs of the epochs in {@code rewriteEpochs} are repacked (or deleted when they hold
     * nothing live) whatever their garbage ratio: re-encryption under the current key.
     */
    public Plan plan(double maxUnused, Set<Integer> rewriteEpochs) {
        // Nothing is decided while a snapshot cannot be read (its blobs are unknown), unless the
        // operator chose to go on: then whatever it might need is kept (keepWhatUnreadableMayNeed).
        List<Snapshot> snapshots = repo.requireReadableSnapshots("prune");
        Set<BlobId> live = new HashSet<>();
        ReferenceWalker walker = new ReferenceWalker(repo);
        List<String> snapshotIds = new ArrayList<>();
        for (Snapshot s : snapshots) {
            snapshotIds.add(s.id());
            walker.walk(s, (snap, type, id, path) -> live.add(id));
        }
        if (!repo.unreadableSnapshots().isEmpty()) {
            keepWhatUnreadableMayNeed(walker, live);
        }
        Map<String, long[]> perPack = new HashMap<>();   // pack → {live bytes, dead bytes}
        Set<String> forced = new HashSet<>();
        Set<BlobId> counted = new HashSet<>();
        long[] totals = new long[2];
        repo.index().forEach(e -> {
            String pack = HexFormat.of().formatHex(e.packId());
            long[] usage = perPack.computeIfAbsent(pack, k -> new long[2]);
            if (rewriteEpochs.contains(e.epoch())) {
                forced.add(pack);
            }
            // A blob stored twice counts once as live; the extra copy is garbage.
            boolean isLive = live.contains(e.id()) && counted.add(e.id());
            usage[isLive ? 0 : 1] += e.length();
            totals[isLive ? 0 : 1] += e.length();
        });
        Set<String> delete = new HashSet<>();
        List<Map.Entry<String, long[]>> partial = new ArrayList<>();
        Set<String> repack = new HashSet<>();
        long bytesToDelete = 0;
        long liveToRepack = 0;
        long remainingDead = totals[1];
        for (Map.Entry<String, long[]> p : perPack.entrySet()) {
            if (p.getValue()[0] == 0) {
                delete.add(p.getKey());
                bytesToDelete += p.getValue()[1];
                remainingDead -= p.getValue()[1];
            } else if (forced.contains(p.getKey())) {
                repack.add(p.getKey());
                remainingDead -= p.getValue()[1];
                liveToRepack += p.getValue()[0];
            } else if (p.getValue()[1] > 0) {
                partial.add(p);
            }
        }
        long stored = totals[0] + totals[1];
        long allowed = (long) (maxUnused * stored);
        partial.sort(Comparator.comparingDouble((Map.Entry<String, long[]> p) -> -(double) p.getValue()[1] / (p.getValue()[0] + p.getValue()[1])));
        for (Map.Entry<String, long[]> p : partial) {
            if (remainingDead <= allowed) {
                break;
            }
            repack.add(p.getKey());
            remainingDead -= p.getValue()[1];
            liveToRepack += p.getValue()[0];
        }
        return new Plan(perPack.size(), delete.size(), repack.size(), stored, totals[1], bytesToDelete, liveToRepack,
                delete, repack, live, snapshotIds);
    }

    /**
     * An unreadable snapshot's root tree is one of the trees no readable snapshot reaches, as the
     * packs' own trailers (through the index) list them: every such tree, and everything below it,
     * counts as live. This keeps the data of forgotten-but-unpruned snapshots too; that space comes
     * back once the unreadable snapshot is repaired or removed.
     */
    private void keepWhatUnreadableMayNeed(ReferenceWalker walker, Set<BlobId> live) {
        List<BlobId> unreached = new ArrayList<>();
        repo.index().forEach(e -> {
            if (e.type() == dr.summit.repository.blob.BlobType.TREE && !live.contains(e.id())) {
                unreached.add(e.id());
            }
        });
        for (BlobId tree : unreached) {
            walker.walkTree(tree, (snap, type, id, path) -> live.add(id));
        }
    }

    public Result execute(Plan plan) {
        ObjectStore store = repo.store();
        LeaseTimes times = repo.leaseTimes();
        int expired = LeaseHolder.removeExpired(store, times, Instant.now()) + LeaseHolder.removeStaleLocal(store).size();
        try (LeaseHolder pruneLease = LeaseHolder.acquire(store, times, PRUNE_LEASE)) {
            refuseConcurrentPrune(pruneLease, times);
            int packsWritten = repack(plan);
            Set<String> gone = new TreeSet<>(plan.deletePacks());
            gone.addAll(plan.repackPacks());
            PruneMark mark = new PruneMark(1, Repository.randomHex().substring(0, 32), Instant.now(), List.copyOf(gone),
                    plan.snapshotIds(), null);
            if (!gone.isEmpty()) {
                mark.writePlan(store);
            }
            // Our own lease must outlive the rewrite, or a writer could mistake us for gone.
            pruneLease.checkValid("the prune");
            int[] rewritten = rewriteIndex(gone);
            if (!gone.isEmpty()) {
                mark.writeReady(store, Instant.now());
            }
            Sweep sweep = sweep(pruneLease);
            removeTemporaryLeftovers(pruneLease);
            return new Result(plan, gone.size(), packsWritten, rewritten[0], rewritten[1], sweep, expired);
        }
    }

    static final String PRUNE_LEASE = "prune";

    private void refuseConcurrentPrune(LeaseHolder mine, LeaseTimes times) {
        Instant now = Instant.now();
        for (Lease other : LeaseHolder.list(repo.store())) {
            if (PRUNE_LEASE.equals(other.command()) && !other.id().equals(mine.lease().id()) && other.mayBeAlive(now, times.maxClockSkew())) {
                throw new RepositoryException("another prune is running on " + other.host() + " (pid " + other.pid() + ", since "
                        + other.created() + "; its lease expires at " + other.expires() + " unless renewed); try again later");
            }
        }
    }

    private int repack(Plan plan) {
        if (plan.repackPacks().isEmpty()) {
            return 0;
        }
        try (BlobSaver saver = repo.newBlobSaver(2)) {
            Set<BlobId> copied = new HashSet<>();
            for (String pack : plan.repackPacks()) {
                byte[] packId = HexFormat.of().parseHex(pack);
                Repository.PackListing listing = repo.readPackTrailer(packId);
                byte[] bytes = repo.store().get(PackFormat.objectName(packId));
                for (var e : listing.entries()) {
                    if (plan.live().contains(e.id()) && copied.add(e.id())) {
                        byte[] plain = repo.decodeBlob(e.type(), e.id(),
                                new BlobLocation(packId, listing.epoch(), e.type(), e.offset(), e.length()), bytes, e.offset());
                        saver.saveAgain(e.type(), plain);
                    }
                }
            }
            saver.flush();
            return (int) saver.packsWritten();
        }
    }

    /**
     * Writes one complete index without the packs in {@code gone}, then deletes exactly the index
     * files this process read or wrote — never one a concurrent backup wrote meanwhile.
     */
    private int[] rewriteIndex(Set<String> gone) {
        Set<String> replaced = new TreeSet<>(repo.loadedIndexFiles());
        replaced.addAll(repo.writtenIndexFiles());
        List<IndexEntry> keep = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        repo.index().forEach(e -> {
            String pack = HexFormat.of().formatHex(e.packId());
            if (!gone.contains(pack) && seen.add(e.id().hex() + pack)) {
                keep.add(e);
            }
        });
        int written = 0;
        for (int from = 0; from < keep.size(); from += INDEX_FILE_ENTRIES) {
            repo.writeIndexFile(keep.subList(from, Math.min(keep.size(), from + INDEX_FILE_ENTRIES)));
            written++;
        }
        for (String name : replaced) {
            repo.store().delete(name);
        }
        return new int[]{written, replaced.size()};
    }

    private Sweep sweep(LeaseHolder pruneLease) {
        ObjectStore store = repo.store();
        LeaseTimes times = repo.leaseTimes();
        List<PruneMark> marks = PruneMark.list(store);
        if (marks.isEmpty()) {
            return new Sweep(0, 0, 0, 0, 0, List.of());
        }
        repo.reloadIndex();
        Instant now = Instant.now();
        String ownLease = repo.lease() == null ? "" : repo.lease().lease().id();
        List<Lease> leases = LeaseHolder.list(store);
        int completed = 0;
        int deleted = 0;
        int resurrected = 0;
        long freed = 0;
        List<String> waitingOn = new ArrayList<>();
        repo.listSnapshots();   // once: which snapshots are unreadable now (unreadableNotCountedBy)
        for (PruneMark mark : marks) {
            if (mark.indexRewritten() == null) {
                // Its prune stopped between plan and ready (we hold the only prune lease, so it is
                // gone). If the index still lists some of its packs, the plan is void: drop it, the
                // packs stay (indexed or adoptable) and a later plan decides again. If not, the
                // rewrite had finished and only "ready" is missing: it is ready as of now.
                boolean stillIndexed = mark.packs().stream().anyMatch(p -> repo.index().containsPack(HexFormat.of().parseHex(p)));
                if (stillIndexed) {
                    mark.delete(store);
                    completed++;
                    continue;
                }
                mark.writeReady(store, now);
                mark = mark.ready(now);
            }
            List<String> uncounted = unreadableNotCountedBy(mark);
            if (!uncounted.isEmpty()) {
                // A snapshot committed after the plan may need these packs, and this one cannot be read to tell.
                waitingOn.add(mark.packs().size() + " packs wait until snapshot " + uncounted.get(0)
                        + " can be read (repair or remove it: 'summit-dr repair snapshots')");
                continue;
            }
            List<Lease> blockers = new ArrayList<>();
            for (Lease l : leases) {
                if (!l.id().equals(ownLease) && !l.id().equals(pruneLease.lease().id()) && l.holdsPacks()
                        && l.mayBeAlive(now, times.maxClockSkew())
                        && l.startedBefore(mark.indexRewritten(), times.maxClockSkew())) {
                    blockers.add(l);
                }
            }
            if (!blockers.isEmpty()) {
                Lease first = blockers.get(0);
                waitingOn.add(mark.packs().size() + " packs wait for " + blockers.size() + " lease(s), e.g. '" + first.command()
                        + "' on " + first.host() + " (pid " + first.pid() + ") until " + first.expires());
                continue;
            }
            SweepResult r = sweepMark(mark);
            if (r.deleted() > 0) {
                // sweepMark put every entry of the mark's packs into the in-memory index for its walk; those
                // of packs it then deleted must not answer the next mark's walk: read the index files again.
                repo.reloadIndex();
            }
            deleted += r.deleted();
            freed += r.freed();
            resurrected += r.resurrected();
            completed++;
        }
        return new Sweep(completed, deleted, freed, resurrected, marks.size() - completed, waitingOn);
    }

    /** Unreadable snapshots (as of the sweep's listing) that the mark's plan did not count. */
    private List<String> unreadableNotCountedBy(PruneMark mark) {
        Set<String> counted = new HashSet<>(mark.snapshots());
        return repo.unreadableSnapshots().stream().filter(u -> !counted.contains(u.id()))
                .map(dr.summit.repository.snapshot.UnreadableSnapshot::name).toList();
    }

    private record SweepResult(int deleted, long freed, int resurrected) {
    }

    /**
     * Deletes a mark's packs, except those holding a blob that only they hold and that a snapshot
     * committed after the mark refers to (a backup that deduplicated against the old index): those
     * are indexed again from their trailers.
     */
    private SweepResult sweepMark(PruneMark mark) {
        ObjectStore store = repo.store();
        Map<String, List<IndexEntry>> contents = new HashMap<>();
        Set<BlobId> onlyInMarked = new HashSet<>();
        for (String pack : mark.packs()) {
            byte[] packId = HexFormat.of().parseHex(pack);
            if (!store.exists(PackFormat.objectName(packId))) {
                continue;   // deleted by an earlier sweep that crashed before deleting the mark
            }
            List<IndexEntry> entries = repo.readPackTrailer(packId).indexEntries(packId);
            for (IndexEntry e : entries) {
                if (!repo.index().contains(e.id())) {
                    onlyInMarked.add(e.id());
                }
            }
            contents.put(pack, entries);
        }
        Set<String> needed = new HashSet<>();
        if (!onlyInMarked.isEmpty()) {
            // New snapshots may reach trees that live only in marked packs: make them loadable for the walk.
            contents.values().forEach(repo.index()::add);
            Set<String> counted = new HashSet<>(mark.snapshots());
            ReferenceWalker walker = new ReferenceWalker(repo);
            Set<BlobId> referenced = new HashSet<>();
            for (Snapshot s : repo.listSnapshots()) {
                if (!counted.contains(s.id())) {
                    walker.walk(s, (snap, type, id, path) -> {
                        if (onlyInMarked.contains(id)) {
                            referenced.add(id);
                        }
                    });
                }
            }
            contents.forEach((pack, entries) -> {
                if (entries.stream().anyMatch(e -> referenced.contains(e.id()))) {
                    needed.add(pack);
                }
            });
        }
        int deleted = 0;
        long freed = 0;
        for (Map.Entry<String, List<IndexEntry>> pack : contents.entrySet()) {
            String name = PackFormat.objectName(HexFormat.of().parseHex(pack.getKey()));
            if (needed.contains(pack.getKey())) {
                repo.writeIndexFile(pack.getValue());
            } else {
                freed += store.size(name);
                store.delete(name);
                deleted++;
            }
        }
        mark.delete(store);
        return new SweepResult(deleted, freed, needed.size());
    }

    private void removeTemporaryLeftovers(LeaseHolder pruneLease) {
        if (repo.store() instanceof LocalDirectoryStore local) {
            // Only old leftovers: a young temporary file may be a live write of another process. A
            // backup's packs are staged as temporary files for as long as they fill (its tree pack,
            // the whole backup), so a file is left alone, too, unless it is older than every
            // writer whose lease may still be alive.
            Instant now = Instant.now();
            LeaseTimes times = repo.leaseTimes();
            long cutoff = now.toEpochMilli() - 3_600_000L;
            for (Lease other : LeaseHolder.list(repo.store())) {
                if (!other.id().equals(pruneLease.lease().id()) && other.mayBeAlive(now, times.maxClockSkew())) {
                    cutoff = Math.min(cutoff, other.created().minus(times.maxClockSkew()).toEpochMilli());
                }
            }
            for (Path p : local.leftoverTemporaryFiles()) {
                try {
                    if (Files.getLastModifiedTime(p).toMillis() < cutoff) {
                        Files.deleteIfExists(p);
                    }
                } catch (java.io.IOException ignored) {
                    // A leftover that cannot be removed now is removed by the next prune.
                }
            }
        }
    }
}
