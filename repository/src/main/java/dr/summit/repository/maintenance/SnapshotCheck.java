package dr.summit.repository.maintenance;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.snapshot.Snapshot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that one snapshot can be restored: every tree, chunk list and data chunk it references
 * is in the index and — with {@code readData} — loads, decrypts and hashes to its id. Blobs
 * already read by this checker are not read again, so checking similar snapshots one after the
 * other costs little more than checking one.
 */
public final class SnapshotCheck {
    /** How many problems are named per snapshot; the rest are counted. */
    private static final int NAMED_PROBLEMS = 20;

    private final Repository repo;
    private final boolean readData;
    private final Set<BlobId> read = new HashSet<>();
    private final java.util.Map<BlobId, String> failed = new java.util.HashMap<>();

    public SnapshotCheck(Repository repo, boolean readData) {
        this.repo = repo;
        this.readData = readData;
    }

    /** What the check found: blobs referenced, bytes read, and the problems ("path: what"). */
    public record Result(long blobs, long bytesRead, long problemCount, List<String> problems) {
        public boolean ok() {
            return problemCount == 0;
        }
    }

    public Result check(Snapshot snapshot) {
        long[] counts = new long[3]; // blobs, bytes read, problems
        List<String> problems = new ArrayList<>();
        try {
            new ReferenceWalker(repo).walk(snapshot, (snap, type, id, path) -> {
                counts[0]++;
                String problem = null;
                if (!repo.isReadable(id)) {
                    problem = path + ": " + type.name().toLowerCase() + " blob " + id.shortHex() + " is not in any pack";
                } else if (readData && failed.containsKey(id)) {
                    problem = path + ": " + failed.get(id); // every snapshot that needs a damaged blob is told
                } else if (readData && read.add(id)) {
                    try {
                        counts[1] += repo.loadBlob(type, id).length;
                    } catch (RepositoryException e) {
                        failed.put(id, e.getMessage());
                        problem = path + ": " + e.getMessage();
                    }
                }
                if (problem != null && counts[2]++ < NAMED_PROBLEMS) {
                    problems.add(problem);
                }
            });
        } catch (RepositoryException e) {
            counts[2]++;
            problems.add(e.getMessage());
        }
        return new Result(counts[0], counts[1], counts[2], List.copyOf(problems));
    }
}
