package dr.summit.files.browse;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.util.List;

/**
 * Depth-first, name-ordered walk over a snapshot's trees. Paths are raw bytes, relative to the
 * snapshot root, with '/' separators (e.g. "docs/a.txt"). Memory: one directory listing per level.
 */
public final class TreeWalker {
    /** Called for every entry; return false from a directory to skip its contents. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(byte[] path, Node node);
    }

    private final Repository repo;

    public TreeWalker(Repository repo) {
        this.repo = repo;
    }

    public void walk(BlobId rootTree, Visitor visitor) {
        walk(new byte[0], List.of(rootTree), visitor);
    }

    private void walk(byte[] prefix, List<BlobId> parts, Visitor visitor) {
        for (Node node : repo.loadDirectory(parts)) {
            byte[] path = join(prefix, node.name());
            if (visitor.visit(path, node) && node.type() == NodeType.DIRECTORY) {
                walk(path, node.subtrees(), visitor);
            }
        }
    }

    public static byte[] join(byte[] prefix, byte[] name) {
        if (prefix.length == 0) {
            return name.clone();
        }
        byte[] out = new byte[prefix.length + 1 + name.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        out[prefix.length] = '/';
        System.arraycopy(name, 0, out, prefix.length + 1, name.length);
        return out;
    }
}
