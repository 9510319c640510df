package dr.summit.files;

import dr.summit.files.backup.Archiver;
import dr.summit.files.browse.TreeWalker;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.files.restore.RestoreResult;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.maintenance.Pruner;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files with more chunks than a tree node should hold keep their chunk list in CHUNK_LIST blobs;
 * they back up, restore, verify, survive prune and are detected as unchanged like any other file.
 * The threshold is lowered to 4 chunks so a few MiB exercise it.
 */
class HugeFileContentListTest {
    @TempDir
    Path tmp;

    @Test
    void aFileWithManyChunksIsStoredThroughChunkListsAndRestoresIdentically() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        FilesTestSupport.writeRandom(source.resolve("huge.bin"), new Random(5), 6 << 20);
        FilesTestSupport.writeRandom(source.resolve("small.bin"), new Random(6), 100_000);
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Archiver.Options options = FilesTestSupport.options().withMaxDirectChunks(4);

        Snapshot first;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            first = new Archiver(repo, options).backup(List.of(source), null).snapshot();
            List<Node> files = new ArrayList<>();
            new TreeWalker(repo).walk(BlobId.parse(first.tree()), (path, node) -> {
                if (node.type() == NodeType.FILE) {
                    files.add(node);
                }
                return true;
            });
            Node huge = files.stream().filter(n -> n.displayName().equals("huge.bin")).findFirst().orElseThrow();
            Node small = files.stream().filter(n -> n.displayName().equals("small.bin")).findFirst().orElseThrow();
            assertThat(huge.indirectContent()).isTrue();
            assertThat(huge.content()).allSatisfy(list -> assertThat(repo.index().find(list.id()).type()).isEqualTo(BlobType.CHUNK_LIST));
            assertThat(repo.fileChunks(huge).size()).isGreaterThan(4 * huge.content().size() - 4);
            assertThat(small.indirectContent()).isFalse();
        }

        RestoreResult restored = FilesTestSupport.restore(repoDir, first, tmp.resolve("r1"), List.of());
        assertThat(restored.complete()).isTrue();
        assertThat(restored.verifiedFiles()).isEqualTo(2);
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(source), TreeFingerprint.of(tmp.resolve("r1/source")))).isEmpty();

        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Snapshot second = new Archiver(repo, options).backup(List.of(source), first).snapshot();
            assertThat(second.summary().bytesRead()).as("unchanged huge file is not read again").isZero();
            assertThat(new Pruner(repo).plan(0.0).packsToDelete()).as("chunk lists and their chunks are live").isZero();
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
        }
    }
}
