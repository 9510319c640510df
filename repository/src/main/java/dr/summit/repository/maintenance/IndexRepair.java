package dr.summit.repository.maintenance;

import dr.summit.repository.Repository;
import dr.summit.repository.index.IndexEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds the index from the packs themselves: indexes every pack no readable index lists (each
 * pack's trailer describes it), then replaces damaged index files. Safe to run at any time and to
 * repeat; it deletes no pack.
 */
public final class IndexRepair {
    private static final int INDEX_FILE_ENTRIES = 100_000;
    private final Repository repo;

    public IndexRepair(Repository repo) {
        this.repo = repo;
    }

    public record Result(int packsIndexed, int damagedIndexFilesRemoved) {
    }

    public Result run() {
        int adopted = repo.indexUnindexedPacks();
        List<String> damaged = repo.damagedIndexNames();
        if (!damaged.isEmpty()) {
            // A complete index first; only then may the damaged files go, so that no moment
            // exists where a pack the damaged file listed is described by nothing but its trailer.
            List<IndexEntry> all = new ArrayList<>();
            repo.index().forEach(all::add);
            for (int from = 0; from < all.size(); from += INDEX_FILE_ENTRIES) {
                repo.writeIndexFile(all.subList(from, Math.min(all.size(), from + INDEX_FILE_ENTRIES)));
            }
            damaged.forEach(repo.store()::delete);
        }
        return new Result(adopted, damaged.size());
    }
}
