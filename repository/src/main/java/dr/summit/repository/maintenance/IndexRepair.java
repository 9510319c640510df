package dr.summit.repository.maintenance;

import dr.summit.repository.Repository;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.pack.PackFormat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Rebuilds the index from the packs themselves: indexes every pack no readable index lists (each
 * pack's trailer describes it), drops entries of packs that are gone from the store (e.g. a
 * damaged pack moved to quarantine), and replaces damaged index files. Damaged or foreign index
 * files, stray names under index/ and unindexed packs whose trailer cannot be read (damaged, or
 * another repository's) are moved to {@link Quarantine}, not deleted. Safe to repeat; deletes no
 * pack. After it, a backup stores again any content whose only copy was in a dropped pack.
 */
public final class IndexRepair {
    private static final int INDEX_FILE_ENTRIES = 100_000;
    private final Repository repo;

    public IndexRepair(Repository repo) {
        this.repo = repo;
    }

    public record Result(int packsIndexed, int missingPacksDropped, int damagedIndexFilesRemoved, List<String> quarantined) {
    }

    public Result run() {
        List<String> oldIndexFiles = repo.store().list("index/");
        int adopted = repo.indexUnindexedPacks();
        Set<String> stored = new HashSet<>();
        for (String name : repo.store().list("data/")) {
            byte[] id = PackFormat.idFromName(name);
            if (id != null) {
                stored.add(HexFormat.of().formatHex(id));
            }
        }
        List<IndexEntry> present = new ArrayList<>();
        Set<String> missing = new HashSet<>();
        repo.index().forEach(e -> {
            String pack = HexFormat.of().formatHex(e.packId());
            if (stored.contains(pack)) {
                present.add(e);
            } else {
                missing.add(pack);
            }
        });
        Set<String> setAside = new HashSet<>(repo.damagedIndexNames());
        oldIndexFiles.stream().filter(n -> !Repository.isObjectName(n, "index/")).forEach(setAside::add);
        List<String> quarantined = new ArrayList<>();
        if (!setAside.isEmpty() || !missing.isEmpty()) {
            // The complete index is written first; only then do the old files go, so at no moment
            // is a stored pack described by nothing but its own trailer.
            for (int from = 0; from < present.size(); from += INDEX_FILE_ENTRIES) {
                repo.writeIndexFile(present.subList(from, Math.min(present.size(), from + INDEX_FILE_ENTRIES)));
            }
            for (String name : oldIndexFiles) {
                if (setAside.contains(name)) {
                    quarantined.add(Quarantine.move(repo.store(), name));
                } else {
                    repo.store().delete(name);
                }
            }
        }
        for (String pack : repo.unadoptablePacks()) {
            quarantined.add(Quarantine.move(repo.store(), pack));
        }
        return new Result(adopted, missing.size(), repo.damagedIndexNames().size(), quarantined);
    }
}
