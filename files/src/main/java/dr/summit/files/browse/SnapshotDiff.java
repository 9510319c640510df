package dr.summit.files.browse;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Differences between two snapshots, found by merging their name-sorted trees. Subtrees with the
 * same tree ids are identical and skipped without loading, so a diff costs what changed.
 */
public final class SnapshotDiff {
    /** Kinds of change: added, removed, content modified, metadata only. */
    public enum Change { ADDED, REMOVED, MODIFIED, METADATA }

    public record Entry(Change change, String path, NodeType type) {
        public String symbol() {
            return switch (change) {
                case ADDED -> "+";
                case REMOVED -> "-";
                case MODIFIED -> "M";
                case METADATA -> "U";
            };
        }
    }

    private final Repository repo;

    public SnapshotDiff(Repository repo) {
        this.repo = repo;
    }

    public void diff(BlobId a, BlobId b, Consumer<Entry> sink) {
        compare("", List.of(a), List.of(b), sink);
    }

    private void compare(String prefix, List<BlobId> a, List<BlobId> b, Consumer<Entry> sink) {
        if (a.equals(b)) {
            return;
        }
        List<Node> left = a.isEmpty() ? List.of() : repo.loadDirectory(a);
        List<Node> right = b.isEmpty() ? List.of() : repo.loadDirectory(b);
        int i = 0;
        int j = 0;
        while (i < left.size() || j < right.size()) {
            int c = i >= left.size() ? 1 : j >= right.size() ? -1 : Arrays.compareUnsigned(left.get(i).name(), right.get(j).name());
            if (c < 0) {
                removedOrAdded(prefix, left.get(i++), Change.REMOVED, sink);
            } else if (c > 0) {
                removedOrAdded(prefix, right.get(j++), Change.ADDED, sink);
            } else {
                Node l = left.get(i++);
                Node r = right.get(j++);
                String path = prefix + l.displayName();
                if (l.type() != r.type()) {
                    removedOrAdded(prefix, l, Change.REMOVED, sink);
                    removedOrAdded(prefix, r, Change.ADDED, sink);
                } else if (l.type() == NodeType.DIRECTORY) {
                    if (!sameMetadata(l, r)) {
                        sink.accept(new Entry(Change.METADATA, path + "/", l.type()));
                    }
                    compare(path + "/", l.subtrees(), r.subtrees(), sink);
                } else if (!l.content().equals(r.content()) || l.size() != r.size()
                        || !Arrays.equals(l.linkTarget(), r.linkTarget())) {
                    sink.accept(new Entry(Change.MODIFIED, path, l.type()));
                } else if (!sameMetadata(l, r)) {
                    sink.accept(new Entry(Change.METADATA, path, l.type()));
                }
            }
        }
    }

    private void removedOrAdded(String prefix, Node n, Change change, Consumer<Entry> sink) {
        String path = prefix + n.displayName();
        if (n.type() == NodeType.DIRECTORY) {
            sink.accept(new Entry(change, path + "/", n.type()));
            List<BlobId> none = List.of();
            if (change == Change.ADDED) {
                compare(path + "/", none, n.subtrees(), sink);
            } else {
                compare(path + "/", n.subtrees(), none, sink);
            }
        } else {
            sink.accept(new Entry(change, path, n.type()));
        }
    }

    private static boolean sameMetadata(Node a, Node b) {
        return a.mode() == b.mode() && a.uid() == b.uid() && a.gid() == b.gid() && a.mtimeSeconds() == b.mtimeSeconds()
                && a.mtimeNanos() == b.mtimeNanos() && sameXattrs(a, b);
    }

    private static boolean sameXattrs(Node a, Node b) {
        if (a.xattrs().size() != b.xattrs().size()) {
            return false;
        }
        for (int i = 0; i < a.xattrs().size(); i++) {
            if (!a.xattrs().get(i).name().equals(b.xattrs().get(i).name())
                    || !Arrays.equals(a.xattrs().get(i).value(), b.xattrs().get(i).value())) {
                return false;
            }
        }
        return true;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
