package dr.summit.repository;

import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Size accounting of a repository, from the index and snapshot summaries only (no pack reads).
 *
 * @param logicalBytes sum over snapshots of the bytes they would restore
 * @param storedBytes  ciphertext bytes of all indexed blobs (what the data costs in the store)
 */
public record RepositoryStats(int snapshots, int packs, long dataBlobs, long treeBlobs, long storedBytes,
                              long logicalBytes, double dedupRatio) {

    public static RepositoryStats of(Repository repo) {
        List<Snapshot> snapshots = repo.listSnapshots();
        long[] counts = new long[3];
        Set<String> packs = new HashSet<>();
        repo.index().forEach(e -> {
            if (e.type() == BlobType.DATA) {
                counts[0]++;
            } else {
                counts[1]++;
            }
            counts[2] += e.length();
            packs.add(java.util.HexFormat.of().formatHex(e.packId()));
        });
        long logical = snapshots.stream().mapToLong(s -> s.summary() == null ? 0 : s.summary().totalBytes()).sum();
        double ratio = counts[2] == 0 ? 0 : (double) logical / counts[2];
        return new RepositoryStats(snapshots.size(), packs.size(), counts[0], counts[1], counts[2], logical,
                Math.round(ratio * 100) / 100.0);
    }
}
