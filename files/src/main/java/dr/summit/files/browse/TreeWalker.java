package dr.summit.files.browse;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
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

    /** Told about a directory whose listing cannot be read; the walk goes on without it. */
    @FunctionalInterface
    public interface DamageHandler {
        void unreadable(byte[] directory, RepositoryException error);
    }

    /**
     * Told a directory's whole listing before its entries are visited, so that work on them (a
     * restore creating the subdirectories) can start ahead of the visits.
     */
    @FunctionalInterface
    public interface ListingHandler {
        void listed(byte[] directory, List<Node> nodes);
    }

    private static final ListingHandler NO_LOOKAHEAD = (directory, nodes) -> { };

    /** Walks everything; the first unreadable tree ends the walk with its exception. */
    public void walk(BlobId rootTree, Visitor visitor) {
        walk(new byte[0], List.of(rootTree), visitor, (dir, e) -> {
            throw e;
        }, NO_LOOKAHEAD);
    }

    /** Walks everything readable; an unreadable directory is reported and skipped. */
    public void walk(BlobId rootTree, Visitor visitor, DamageHandler damage) {
        walk(new byte[0], List.of(rootTree), visitor, damage, NO_LOOKAHEAD);
    }

    /** As {@link #walk(BlobId, Visitor, DamageHandler)}, telling {@code listed} each listing first. */
    public void walk(BlobId rootTree, Visitor visitor, DamageHandler damage, ListingHandler listed) {
        walk(new byte[0], List.of(rootTree), visitor, damage, listed);
    }

    private void walk(byte[] prefix, List<BlobId> parts, Visitor visitor, DamageHandler damage, ListingHandler listed) {
        List<Node> nodes;
        try {
            nodes = repo.loadDirectory(parts);
        } catch (RepositoryException e) {
            damage.unreadable(prefix, e);
            return;
        }
        listed.listed(prefix, nodes);
        for (Node node : nodes) {
            byte[] path = join(prefix, node.name());
            if (visitor.visit(path, node) && node.type() == NodeType.DIRECTORY) {
                walk(path, node.subtrees(), visitor, damage, listed);
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
