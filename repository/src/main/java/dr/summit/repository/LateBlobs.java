package dr.summit.repository;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.index.BlobIndex;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.maintenance.PruneMark;
import dr.summit.repository.store.ObjectNotFoundException;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a reader finds a blob that its loaded index does not list (docs/repository-format.md,
 * "Prune", reader rule): in a pack a prune has marked but not yet deleted, or in an index file
 * written after the index was loaded. A backup that loaded the index before a prune rewrote it may
 * commit a snapshot whose blobs live only in such a marked pack; the sweep keeps that pack and
 * indexes it again, but until then the blob is listed by no index. Readers (restore, verify, the
 * reference walk of prune and check) look here on a miss, so a committed snapshot is restorable at
 * every instant. Deduplication never does: a backup must not start reusing a marked pack.
 */
final class LateBlobs {
    /** A miss after a refresh this recent does not list the store again (damage makes many misses). */
    private static final long REFRESH_INTERVAL_NANOS = 2_000_000_000L;

    private final Repository repo;
    private final BlobIndex found = new BlobIndex();
    private final Set<String> packsRead = ConcurrentHashMap.newKeySet();
    private final Set<String> indexFilesRead = ConcurrentHashMap.newKeySet();
    private long lastRefresh;
    private boolean refreshed;

    LateBlobs(Repository repo) {
        this.repo = repo;
    }

    BlobLocation find(BlobId id) {
        return found.find(id);
    }

    /**
     * Reads what appeared since the index was loaded: packs of prune marks (from their own trailers)
     * and new index files. Returns false when it did not look (a refresh ran moments ago).
     */
    synchronized boolean refresh() {
        long now = System.nanoTime();
        if (refreshed && now - lastRefresh < REFRESH_INTERVAL_NANOS) {
            return false;
        }
        refreshed = true;
        Set<String> indexFilesLoaded = Set.copyOf(repo.loadedIndexFiles());
        lastRefresh = now;
        for (String name : repo.store().list("index/")) {
            if (!indexFilesLoaded.contains(name) && indexFilesRead.add(name)) {
                try {
                    found.addIndexFile(repo.readIndexFile(name));
                } catch (ObjectNotFoundException | CorruptObjectException e) {
                    // replaced by a prune meanwhile, or damaged (verify reports it): the marks below still count
                }
            }
        }
        for (String pack : PruneMark.markedPacks(repo.store())) {
            if (!packsRead.add(pack)) {
                continue;
            }
            byte[] packId = HexFormat.of().parseHex(pack);
            try {
                found.add(repo.readPackTrailer(packId).indexEntries(packId));
            } catch (ObjectNotFoundException | CorruptObjectException e) {
                // swept meanwhile (nobody needed it), or damaged: nothing to read from it
            }
        }
        return true;
    }
}
