package dr.summit.repository.snapshot.retention;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What retention needs to know about one snapshot.
 *
 * @param id    the snapshot id, unique within a repository
 * @param time  when the snapshot was taken
 * @param host  the host the snapshot was taken on
 * @param paths the backed-up paths, in any order (grouping sorts them)
 * @param tags  the snapshot's tags, possibly empty
 */
public record SnapshotInfo(String id, Instant time, String host, List<String> paths, Set<String> tags) {

    /**
     * Validates and copies the collections, so a decision cannot change under the caller's feet.
     *
     * @throws NullPointerException if any component or collection element is null
     */
    public SnapshotInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(host, "host");
        paths = List.copyOf(Objects.requireNonNull(paths, "paths"));
        tags = Set.copyOf(Objects.requireNonNull(tags, "tags"));
    }
}
