package dr.summit.files.bucket;

/**
 * How object keys become tree names (docs/repository-format.md, "Bucket snapshots"). A key is split
 * at '/' into directories and a leaf; each part becomes a file-system-safe name:
 * '%' → "%25", an empty part → "%", "." → "%2E", ".." → "%2E%2E". An object whose name equals a
 * sibling directory's (keys "a" and "a/b") gets a trailing "%". Since no escaped name ends in a
 * lone '%' otherwise, names never collide. The exact key is also stored with each object, so a
 * restore to a bucket never depends on this mapping.
 */
public final class BucketNames {
    public static final String CONFLICT_SUFFIX = "%";

    private BucketNames() {
    }

    public static String escape(String part) {
        if (part.isEmpty()) {
            return "%";
        }
        if (part.equals(".")) {
            return "%2E";
        }
        if (part.equals("..")) {
            return "%2E%2E";
        }
        return part.replace("%", "%25");
    }
}
