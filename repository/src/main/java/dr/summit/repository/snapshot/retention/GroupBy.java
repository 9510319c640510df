package dr.summit.repository.snapshot.retention;

import java.util.Locale;

/**
 * Which snapshot fields form the groups a policy is applied to separately, as {@code forget --group-by}
 * gives them: any of {@code host}, {@code paths}, {@code tags}, comma-separated; the empty string
 * puts every snapshot in one group. The default, {@link #HOST_AND_PATHS}, is restic's.
 *
 * @param host  group by host
 * @param paths group by the sorted set of backed-up paths
 * @param tags  group by the sorted set of tags
 */
public record GroupBy(boolean host, boolean paths, boolean tags) {

    /** The default: one group per host and set of paths. */
    public static final GroupBy HOST_AND_PATHS = new GroupBy(true, true, false);

    /**
     * Parses e.g. {@code host,paths}, {@code host,tags}, {@code ""}.
     *
     * @throws IllegalArgumentException naming the unknown field
     */
    public static GroupBy parse(String text) {
        boolean host = false;
        boolean paths = false;
        boolean tags = false;
        for (String field : text.split(",")) {
            switch (field.trim().toLowerCase(Locale.ROOT)) {
                case "" -> { }
                case "host" -> host = true;
                case "paths", "path" -> paths = true;
                case "tags", "tag" -> tags = true;
                default -> throw new IllegalArgumentException(
                        "invalid --group-by field '" + field.trim() + "' (use host, paths, tags, comma-separated, or '')");
            }
        }
        return new GroupBy(host, paths, tags);
    }

    /** The group {@code snapshot} falls in under this grouping. */
    public SnapshotGroup groupOf(SnapshotInfo snapshot) {
        return new SnapshotGroup(host ? snapshot.host() : null, paths ? snapshot.paths() : null,
                tags ? snapshot.tags().stream().toList() : null);
    }
}
