package dr.summit.repository.snapshot;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/**
 * A committed backup (docs/repository-format.md, "Snapshot"). Stored as JSON inside a sealed
 * object; {@code id} is the object's name and is not part of the JSON.
 *
 * @param kind   what was backed up: "files" for directory trees; later "postgres", "neo4j", "bucket"
 * @param tree   hex id of the root tree blob
 * @param parent hex id of the snapshot used for change detection, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Snapshot(@JsonIgnore String id, int version, String kind, Instant time, String host, String username,
                       List<String> paths, List<String> tags, String tree, String parent, String program,
                       Summary summary, java.util.Map<String, String> attributes) {

    public static final int VERSION = 1;

    public Snapshot {
        tags = tags == null ? List.of() : List.copyOf(tags);
        paths = paths == null ? List.of() : List.copyOf(paths);
        attributes = attributes == null || attributes.isEmpty() ? null : java.util.Map.copyOf(new java.util.TreeMap<>(attributes));
    }

    /** A snapshot without source-specific attributes. */
    public Snapshot(String id, int version, String kind, Instant time, String host, String username, List<String> paths,
                    List<String> tags, String tree, String parent, String program, Summary summary) {
        this(id, version, kind, time, host, username, paths, tags, tree, parent, program, summary, null);
    }

    public Snapshot withId(String newId) {
        return new Snapshot(newId, version, kind, time, host, username, paths, tags, tree, parent, program, summary, attributes);
    }

    /** The same snapshot with other tags (and no id: it becomes a new snapshot object when saved). */
    public Snapshot withTags(List<String> newTags) {
        return new Snapshot(null, version, kind, time, host, username, paths, newTags, tree, parent, program, summary, attributes);
    }

    /** The same snapshot with source-specific attributes (e.g. a PostgreSQL backup's LSNs). */
    public Snapshot withAttributes(java.util.Map<String, String> newAttributes) {
        return new Snapshot(id, version, kind, time, host, username, paths, tags, tree, parent, program, summary, newAttributes);
    }

    public String attribute(String key) {
        return attributes == null ? null : attributes.get(key);
    }

    public String shortId() {
        return id == null ? "" : id.substring(0, Math.min(8, id.length()));
    }

    /** What the backup run did; informational, never needed for restore. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(long files, long directories, long otherEntries, long totalBytes, long newFiles,
                          long changedFiles, long unchangedFiles, long bytesRead, long newBlobs, long newBytes,
                          long newPackedBytes, long filesChangedDuringBackup, long unreadableEntries,
                          long durationMillis) {
    }
}
