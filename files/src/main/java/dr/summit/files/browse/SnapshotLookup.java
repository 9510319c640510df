package dr.summit.files.browse;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Finds one entry of a snapshot by its path, reading only the directories on the way to it (not the
 * whole tree), so {@code dump snapshot /etc/hosts} costs a few tree loads however big the snapshot is.
 */
public final class SnapshotLookup {
    /** The snapshot root itself, which has no node of its own: a directory made of the root trees. */
    public record Found(String path, Node node, List<BlobId> directoryParts) {
        public boolean isDirectory() {
            return directoryParts != null;
        }
    }

    private final Repository repo;

    public SnapshotLookup(Repository repo) {
        this.repo = repo;
    }

    /**
     * The entry at {@code path} (absolute or relative to the snapshot root; "/" or "" is the root).
     * Empty when some component does not exist, or a component before the last is not a directory.
     */
    public Optional<Found> find(BlobId rootTree, String path) {
        List<String> components = components(path);
        List<BlobId> parts = List.of(rootTree);
        Node current = null;
        for (String component : components) {
            if (parts == null) {
                return Optional.empty();
            }
            byte[] name = component.getBytes(StandardCharsets.UTF_8);
            current = repo.loadDirectory(parts).stream().filter(n -> Arrays.equals(n.name(), name)).findFirst().orElse(null);
            if (current == null) {
                return Optional.empty();
            }
            parts = current.type() == NodeType.DIRECTORY ? current.subtrees() : null;
        }
        return Optional.of(new Found(String.join("/", components), current, parts));
    }

    /** Normalized components: no empty ones, no ".", and ".." refused (a snapshot path never climbs). */
    public static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw new IllegalArgumentException("path '" + path + "' contains '..'");
            }
            out.add(c);
        }
        return out;
    }
}
