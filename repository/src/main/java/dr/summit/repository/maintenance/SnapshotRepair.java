package dr.summit.repository.maintenance;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.UnreadableSnapshot;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code repair snapshots}: what can be saved when snapshot objects cannot be read. A snapshot
 * object is small metadata (time, host, paths, tags, source attributes) over a root tree; the
 * metadata of a damaged object is lost, but its tree and data usually are not. Every root tree that
 * no readable snapshot reaches becomes a new snapshot tagged {@value #TAG} (this finds the damaged
 * snapshots' trees, and also those of forgotten-but-unpruned snapshots and interrupted backups:
 * forget what is not wanted). The unreadable objects, and stray names under snapshots/, are then
 * moved to {@link Quarantine}, so listings and prune work again.
 */
public final class SnapshotRepair {
    public static final String TAG = "recovered";

    private final Repository repo;

    public SnapshotRepair(Repository repo) {
        this.repo = repo;
    }

    /**
     * @param recovered    new snapshots made from unreached root trees
     * @param quarantined  object names moved aside (now under quarantine/)
     * @param lost         what could not be recovered, one line each
     */
    public record Result(List<Snapshot> recovered, List<String> quarantined, List<String> lost) {
    }

    public Result run(boolean dryRun) {
        List<Snapshot> readable = repo.listSnapshots();
        List<UnreadableSnapshot> unreadable = repo.unreadableSnapshots();
        List<String> stray = repo.store().list("snapshots/").stream().filter(n -> !Repository.isObjectName(n, "snapshots/")).toList();
        List<String> lost = new ArrayList<>();
        List<Snapshot> recovered = new ArrayList<>();
        if (!unreadable.isEmpty()) {
            for (BlobId root : unreachedRootTrees(readable, lost)) {
                Snapshot s = new Snapshot(null, Snapshot.VERSION, "files", Instant.now(), "recovered", System.getProperty("user.name"),
                        List.of("/recovered/" + root.shortHex()), List.of(TAG), root.hex(), null, "summit-dr repair", null);
                recovered.add(dryRun ? s : repo.saveSnapshot(s));
            }
            for (UnreadableSnapshot u : unreadable) {
                lost.add(u.name() + ": its time, host, paths, tags" + (u.foreign() ? " (not this repository's: nothing of it is here)" : " and source attributes"));
            }
        }
        List<String> quarantined = new ArrayList<>();
        for (String name : concat(unreadable.stream().map(UnreadableSnapshot::name).toList(), stray)) {
            quarantined.add(dryRun ? Quarantine.PREFIX + name : Quarantine.move(repo.store(), name));
        }
        return new Result(recovered, quarantined, lost);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Tree blobs no readable snapshot reaches and no such tree refers to: the roots of lost snapshots. */
    private List<BlobId> unreachedRootTrees(List<Snapshot> readable, List<String> lost) {
        Set<BlobId> reached = new HashSet<>();
        ReferenceWalker walker = new ReferenceWalker(repo);
        for (Snapshot s : readable) {
            walker.walk(s, (snap, type, id, path) -> {
                if (type == BlobType.TREE) {
                    reached.add(id);
                }
            });
        }
        Set<BlobId> unreached = new LinkedHashSet<>();
        repo.index().forEach(e -> {
            if (e.type() == BlobType.TREE && !reached.contains(e.id())) {
                unreached.add(e.id());
            }
        });
        Set<BlobId> referenced = new HashSet<>();
        for (BlobId tree : unreached) {
            try {
                for (Node n : repo.loadTree(tree)) {
                    if (n.type() == NodeType.DIRECTORY) {
                        referenced.addAll(n.subtrees());
                    }
                }
            } catch (RepositoryException e) {
                lost.add("tree " + tree.shortHex() + ": " + e.getMessage());
                referenced.add(tree);
            }
        }
        return unreached.stream().filter(t -> !referenced.contains(t)).toList();
    }
}
