package dr.summit.repository.maintenance;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;

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
 * Removes data that no snapshot references. Plans from the index and the trees alone (no pack
 * is downloaded to decide), deletes packs that hold nothing live, and repacks partly used packs
 * until at most {@code maxUnused} of the stored bytes are garbage.
 *
 * <p>Crash safety (docs/repository-format.md, "Prune"): new packs are written first, then a
 * complete new index, then the old index files are deleted, and only then the old packs. A crash
 * at any step leaves every live blob indexed in at least one existing pack.
 *
 * <p>Format v1 prune assumes no backup writes to the repository at the same time; concurrent
 * prune (leases and two-phase deletion) is specified for the S3 issue.
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
                       Set<BlobId> live) {
    }

    public record Result(Plan plan, int packsDeleted, int packsWritten, int indexFilesWritten, int indexFilesDeleted,
                         long bytesFreed) {
    }

    public Plan plan(double maxUnused) {
        Set<BlobId> live = new HashSet<>();
        ReferenceWalker walker = new ReferenceWalker(repo);
        for (Snapshot s : repo.listSnapshots()) {
            walker.walk(s, (snap, type, id, path) -> live.add(id));
        }
        Map<String, long[]> perPack = new HashMap<>();   // pack → {live bytes, dead bytes}
        Set<BlobId> counted = new HashSet<>();
        long[] totals = new long[2];
        repo.index().forEach(e -> {
            long[] usage = perPack.computeIfAbsent(HexFormat.of().formatHex(e.packId()), k -> new long[2]);
            // A blob stored twice counts once as live; the extra copy is garbage.
            boolean isLive = live.contains(e.id()) && counted.add(e.id());
            usage[isLive ? 0 : 1] += e.length();
            totals[isLive ? 0 : 1] += e.length();
        });
        Set<String> delete = new HashSet<>();
        List<Map.Entry<String, long[]>> partial = new ArrayList<>();
        long bytesToDelete = 0;
        for (Map.Entry<String, long[]> p : perPack.entrySet()) {
            if (p.getValue()[0] == 0) {
                delete.add(p.getKey());
                bytesToDelete += p.getValue()[1];
            } else if (p.getValue()[1] > 0) {
                partial.add(p);
            }
        }
        long stored = totals[0] + totals[1];
        long remainingDead = totals[1] - bytesToDelete;
        long allowed = (long) (maxUnused * stored);
        partial.sort(Comparator.comparingDouble((Map.Entry<String, long[]> p) -> -(double) p.getValue()[1] / (p.getValue()[0] + p.getValue()[1])));
        Set<String> repack = new HashSet<>();
        long liveToRepack = 0;
        for (Map.Entry<String, long[]> p : partial) {
            if (remainingDead <= allowed) {
                break;
            }
            repack.add(p.getKey());
            remainingDead -= p.getValue()[1];
            liveToRepack += p.getValue()[0];
        }
        return new Plan(perPack.size(), delete.size(), repack.size(), stored, totals[1], bytesToDelete, liveToRepack,
                delete, repack, live);
    }

    public Result execute(Plan plan) {
        int packsWritten = 0;
        if (!plan.repackPacks().isEmpty()) {
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
                packsWritten = (int) saver.packsWritten();
            }
        }
        // Listed after repacking, so the index files the repack just wrote are replaced by the
        // complete index below too, instead of lingering as duplicates.
        List<String> oldIndexFiles = repo.store().list("index/");
        Set<String> gone = new HashSet<>(plan.deletePacks());
        gone.addAll(plan.repackPacks());
        List<IndexEntry> keep = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        repo.index().forEach(e -> {
            String pack = HexFormat.of().formatHex(e.packId());
            if (!gone.contains(pack) && seen.add(e.id().hex() + pack)) {
                keep.add(e);
            }
        });
        int indexWritten = 0;
        for (int from = 0; from < keep.size(); from += INDEX_FILE_ENTRIES) {
            repo.writeIndexFile(keep.subList(from, Math.min(keep.size(), from + INDEX_FILE_ENTRIES)));
            indexWritten++;
        }
        for (String name : oldIndexFiles) {
            repo.store().delete(name);
        }
        long freed = 0;
        for (String pack : gone) {
            String name = PackFormat.objectName(HexFormat.of().parseHex(pack));
            freed += repo.store().exists(name) ? repo.store().size(name) : 0;
            repo.store().delete(name);
        }
        removeTemporaryLeftovers();
        return new Result(plan, gone.size(), packsWritten, indexWritten, oldIndexFiles.size(), freed);
    }

    private void removeTemporaryLeftovers() {
        if (repo.store() instanceof LocalDirectoryStore local) {
            long cutoff = System.currentTimeMillis() - 3_600_000L;
            for (Path p : local.leftoverTemporaryFiles()) {
                try {
                    // Only old leftovers: a young temporary file may be a live write of another process.
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
