package dr.summit.repository.keys;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.Repository;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.ObjectNotFoundException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which data-key epochs still protect data: packs (from the index, free) and, on request, every
 * sealed object (snapshots, index files, WAL files — one 10-byte ranged read each). Re-encryption
 * uses it to find what to rewrite, and to prove nothing is left before a key is destroyed.
 */
public final class EpochUsage {
    private final Map<Integer, Set<String>> packs = new HashMap<>();
    private final Map<Integer, Long> packBytes = new HashMap<>();
    private final Map<Integer, List<String>> sealed = new HashMap<>();

    private EpochUsage() {
    }

    public static EpochUsage of(Repository repo, boolean scanSealedObjects) {
        EpochUsage usage = new EpochUsage();
        repo.index().forEach(e -> {
            if (usage.packs.computeIfAbsent(e.epoch(), k -> new HashSet<>()).add(HexFormat.of().formatHex(e.packId()))) {
                usage.packBytes.merge(e.epoch(), 0L, Long::sum);
            }
            usage.packBytes.merge(e.epoch(), (long) e.length(), Long::sum);
        });
        if (scanSealedObjects) {
            for (String name : sealedObjectNames(repo)) {
                try {
                    byte[] head = repo.store().getRange(name, 0, SealedObject.HEADER_BYTES);
                    usage.sealed.computeIfAbsent(SealedObject.header(head, name).epoch(), k -> new ArrayList<>()).add(name);
                } catch (ObjectNotFoundException | CorruptObjectException gone) {
                    // deleted meanwhile (forget, expire) or damaged (verify reports it)
                }
            }
        }
        return usage;
    }

    /** Every object that is a sealed object by its place: all but config, keys, packs and leases. */
    public static List<String> sealedObjectNames(Repository repo) {
        List<String> names = new ArrayList<>();
        for (String name : repo.store().list("")) {
            if (!name.equals("config") && !name.startsWith("keys/") && !name.startsWith("data/") && !name.startsWith("leases/")
                    && !name.startsWith("prune/")) {
                names.add(name);
            }
        }
        return names;
    }

    public int packs(int epoch) {
        return packs.getOrDefault(epoch, Set.of()).size();
    }

    public long packBytes(int epoch) {
        return packBytes.getOrDefault(epoch, 0L);
    }

    public int sealedObjects(int epoch) {
        return sealed.getOrDefault(epoch, List.of()).size();
    }

    public List<String> sealedObjectNames(int epoch) {
        return sealed.getOrDefault(epoch, List.of());
    }
}
