package dr.summit.repository.snapshot.retention;

import java.util.List;
import java.util.Objects;

/**
 * The unit a retention policy is applied to: all snapshots of one host with the same set of paths.
 *
 * <p>Paths are sorted on construction, so snapshots that list the same paths in a different order
 * land in the same group.
 *
 * @param host  the host
 * @param paths the backed-up paths, sorted
 */
public record SnapshotGroup(String host, List<String> paths) implements Comparable<SnapshotGroup> {

    /**
     * Validates and sorts.
     *
     * @throws NullPointerException if host, paths or any path is null
     */
    public SnapshotGroup {
        Objects.requireNonNull(host, "host");
        paths = Objects.requireNonNull(paths, "paths").stream()
                .map(path -> Objects.requireNonNull(path, "path"))
                .sorted()
                .toList();
    }

    /**
     * The group a snapshot belongs to.
     *
     * @param snapshot the snapshot
     * @return its group
     */
    public static SnapshotGroup of(SnapshotInfo snapshot) {
        return new SnapshotGroup(snapshot.host(), snapshot.paths());
    }

    /** Orders by host, then paths element by element, so results are listed deterministically. */
    @Override
    public int compareTo(SnapshotGroup other) {
        int byHost = host.compareTo(other.host);
        if (byHost != 0) {
            return byHost;
        }
        int common = Math.min(paths.size(), other.paths.size());
        for (int i = 0; i < common; i++) {
            int byPath = paths.get(i).compareTo(other.paths.get(i));
            if (byPath != 0) {
                return byPath;
            }
        }
        return Integer.compare(paths.size(), other.paths.size());
    }
}
