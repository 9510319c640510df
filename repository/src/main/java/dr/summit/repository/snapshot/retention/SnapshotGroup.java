package dr.summit.repository.snapshot.retention;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The unit a retention policy is applied to: by default all snapshots of one host with the same set
 * of paths; {@link GroupBy} chooses the fields. A field not grouped by is {@code null}.
 *
 * <p>Paths and tags are sorted on construction, so snapshots that list the same paths in a different
 * order land in the same group.
 *
 * @param host  the host, or null when not grouped by host
 * @param paths the backed-up paths, sorted, or null when not grouped by paths
 * @param tags  the tags, sorted, or null when not grouped by tags
 */
public record SnapshotGroup(String host, List<String> paths, List<String> tags) implements Comparable<SnapshotGroup> {

    private static final Comparator<List<String>> LISTS = (a, b) -> {
        int common = Math.min(a.size(), b.size());
        for (int i = 0; i < common; i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };
    private static final Comparator<SnapshotGroup> ORDER = Comparator
            .comparing(SnapshotGroup::host, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
            .thenComparing(SnapshotGroup::paths, Comparator.nullsFirst(LISTS))
            .thenComparing(SnapshotGroup::tags, Comparator.nullsFirst(LISTS));

    /**
     * Sorts paths and tags.
     *
     * @throws NullPointerException if a path or tag is null
     */
    public SnapshotGroup {
        paths = sorted(paths, "path");
        tags = sorted(tags, "tag");
    }

    /**
     * A group by host and paths, the default grouping.
     *
     * @throws NullPointerException if host, paths or any path is null
     */
    public SnapshotGroup(String host, List<String> paths) {
        this(Objects.requireNonNull(host, "host"), Objects.requireNonNull(paths, "paths"), null);
    }

    private static List<String> sorted(List<String> values, String what) {
        return values == null ? null : values.stream().map(v -> Objects.requireNonNull(v, what)).sorted().toList();
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

    /** Orders by host, then paths, then tags, element by element, so results are listed deterministically. */
    @Override
    public int compareTo(SnapshotGroup other) {
        return ORDER.compare(this, other);
    }
}
