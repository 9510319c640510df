package dr.summit.repository.maintenance;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Visits every blob a snapshot references: its trees and the data chunks of its files. Trees
 * already visited (shared between snapshots) are skipped, so walking N similar snapshots costs
 * little more than one.
 */
public final class ReferenceWalker {
    /** Receives each referenced blob; {@code path} is where it was first met, for messages. */
    @FunctionalInterface
    public interface Sink {
        void blob(Snapshot snapshot, BlobType type, BlobId id, String path);
    }

    private final Repository repo;
    private final Set<BlobId> visitedTrees = new HashSet<>();

    public ReferenceWalker(Repository repo) {
        this.repo = repo;
    }

    public void walk(Snapshot snapshot, Sink sink) {
        BlobId root = BlobId.parse(snapshot.tree());
        walkTree(snapshot, List.of(root), "/", sink);
    }

    /** Visits a tree that no snapshot may reach (for prune's caution with unreadable snapshots); sinks get a null snapshot. */
    public void walkTree(BlobId tree, Sink sink) {
        walkTree(null, List.of(tree), "/", sink);
    }

    private void walkTree(Snapshot snapshot, List<BlobId> parts, String path, Sink sink) {
        for (BlobId part : parts) {
            if (!visitedTrees.add(part)) {
                continue;
            }
            sink.blob(snapshot, BlobType.TREE, part, path);
            if (!repo.isReadable(part)) {
                continue;
            }
            List<Node> nodes = repo.loadTree(part);
            for (Node n : nodes) {
                String child = path + n.displayName();
                if (n.type() == NodeType.FILE) {
                    if (n.indirectContent()) {
                        boolean listsPresent = true;
                        for (ChunkRef list : n.content()) {
                            sink.blob(snapshot, BlobType.CHUNK_LIST, list.id(), child);
                            listsPresent &= repo.isReadable(list.id());
                        }
                        if (!listsPresent) {
                            continue;
                        }
                    }
                    for (ChunkRef c : repo.fileChunks(n)) {
                        sink.blob(snapshot, BlobType.DATA, c.id(), child);
                    }
                } else if (n.type() == NodeType.DIRECTORY) {
                    walkTree(snapshot, n.subtrees(), child + "/", sink);
                }
            }
        }
    }
}
