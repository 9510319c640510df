package dr.summit.files.backup;

import static dr.summit.files.FilesTestSupport.dataBlobs;
import static dr.summit.files.FilesTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.files.restore.RestoreResult;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.index.IndexEntry;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup with a parent snapshot reads only what changed: same size, inode, mtime and ctime
 * means "unchanged" — unless the chunks the parent lists are no longer in the index.
 */
class ChangeDetectionTest {
    private static final int FILES = 6;
    private static final int FILE_SIZE = 700_000;

    @TempDir
    Path tmp;
    Path source;
    Path repoDir;
    Snapshot first;

    @BeforeEach
    void firstBackup() throws Exception {
        source = tmp.resolve("data");
        repoDir = tmp.resolve("repo");
        Random random = new Random(42);
        for (int i = 0; i < FILES; i++) {
            writeRandom(source.resolve("dir-" + (i % 2) + "/file-" + i + ".bin"), random, FILE_SIZE);
        }
        Files.writeString(source.resolve("notes.txt"), "unchanging notes\n");
        FilesTestSupport.init(repoDir);
        first = FilesTestSupport.backup(repoDir, source, null).snapshot();
        assertThat(first.summary().bytesRead()).isEqualTo((long) FILES * FILE_SIZE + 17);
    }

    @Test
    void unchangedTreeIsNotReadAndAddsNoBlobs() throws Exception {
        long blobsBefore = dataBlobsInRepository();

        Snapshot second = FilesTestSupport.backup(repoDir, source, first).snapshot();

        Snapshot.Summary m = second.summary();
        assertThat(m.bytesRead()).isZero();
        assertThat(m.unchangedFiles()).isEqualTo(FILES + 1);
        assertThat(m.newFiles()).isZero();
        assertThat(m.changedFiles()).isZero();
        assertThat(m.newBlobs()).as("not even a tree blob: every directory is identical").isZero();
        assertThat(dataBlobsInRepository()).isEqualTo(blobsBefore);
        assertThat(second.tree()).isEqualTo(first.tree());
        assertThat(second.parent()).isEqualTo(first.id());
    }

    @Test
    void changedContentIsReadAgainAndNothingElse() throws Exception {
        Path changed = source.resolve("dir-1/file-3.bin");
        byte[] bytes = Files.readAllBytes(changed);
        bytes[FILE_SIZE / 2] ^= 0x5A;   // same size, so only mtime/ctime tell
        Files.write(changed, bytes);
        long blobsBefore = dataBlobsInRepository();

        Snapshot second = FilesTestSupport.backup(repoDir, source, first).snapshot();

        Snapshot.Summary m = second.summary();
        assertThat(m.bytesRead()).isEqualTo(FILE_SIZE);
        assertThat(m.changedFiles()).isEqualTo(1);
        assertThat(m.unchangedFiles()).isEqualTo(FILES);
        assertThat(dataBlobsInRepository() - blobsBefore).as("only the chunks around the flipped byte are new")
                .isBetween(1L, 3L);
        assertRestoresToSource(second);
    }

    @Test
    void touchedMtimeIsReadAgainButStoresNoNewData() throws Exception {
        Path touched = source.resolve("dir-0/file-2.bin");
        Files.setLastModifiedTime(touched, FileTime.fromMillis(Files.getLastModifiedTime(touched).toMillis() - 86_400_000L));
        long blobsBefore = dataBlobsInRepository();

        Snapshot second = FilesTestSupport.backup(repoDir, source, first).snapshot();

        Snapshot.Summary m = second.summary();
        assertThat(m.bytesRead()).isEqualTo(FILE_SIZE);
        assertThat(m.changedFiles()).isEqualTo(1);
        assertThat(m.unchangedFiles()).isEqualTo(FILES);
        assertThat(dataBlobsInRepository()).as("same content deduplicates").isEqualTo(blobsBefore);
        assertThat(m.newBlobs()).as("new trees carry the new mtime").isPositive();
        assertRestoresToSource(second);
    }

    @Test
    void xattrAddedWithoutTouchingMtimeIsSeenThroughCtime() throws Exception {
        // The walk takes an unchanged entry's xattrs from the parent snapshot without listing them;
        // setting one changes ctime, and that must be enough for the new value to be read.
        Path file = source.resolve("dir-1/file-5.bin");
        FileTime mtime = Files.getLastModifiedTime(file);
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        try {
            view.write("summit.test", ByteBuffer.wrap("v1".getBytes(StandardCharsets.UTF_8)));
        } catch (IOException unsupported) {
            Assumptions.abort("no user xattrs on this file system: " + unsupported.getMessage());
        }
        Files.setLastModifiedTime(file, mtime);
        Path dir = source.resolve("dir-0");
        Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class)
                .write("summit.dir", ByteBuffer.wrap("d".getBytes(StandardCharsets.UTF_8)));

        Snapshot second = FilesTestSupport.backup(repoDir, source, first).snapshot();
        Snapshot third = FilesTestSupport.backup(repoDir, source, second).snapshot();

        try (Repository repo = FilesTestSupport.open(repoDir)) {
            for (Snapshot s : List.of(second, third)) {
                assertThat(findFile(repo, s, "data/dir-1/file-5.bin").xattrs())
                        .extracting(x -> x.name() + "=" + new String(x.value(), StandardCharsets.UTF_8))
                        .containsExactly("user.summit.test=v1");
                assertThat(findFile(repo, s, "data/dir-0").xattrs()).extracting(x -> x.name()).containsExactly("user.summit.dir");
            }
        }
        assertThat(third.tree()).as("nothing changed between the second and third backups").isEqualTo(second.tree());
    }

    @Test
    void fileWhoseChunksAreMissingFromTheIndexIsReadAgain() throws Exception {
        Set<BlobId> lost = new HashSet<>();
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Node node = findFile(repo, first, "data/dir-0/file-4.bin");
            node.content().stream().map(ChunkRef::id).forEach(lost::add);
            dropFromIndex(repo, lost);
        }
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(lost).noneMatch(id -> repo.index().contains(id));
        }

        Snapshot second = FilesTestSupport.backup(repoDir, source, first).snapshot();

        Snapshot.Summary m = second.summary();
        assertThat(m.bytesRead()).isEqualTo(FILE_SIZE);
        assertThat(m.changedFiles()).isEqualTo(1);
        assertThat(m.unchangedFiles()).isEqualTo(FILES);
        assertThat(m.newBlobs()).isGreaterThanOrEqualTo(lost.size());
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(lost).allMatch(id -> repo.index().contains(id));
        }
        assertRestoresToSource(second);
    }

    private long dataBlobsInRepository() {
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            return dataBlobs(repo);
        }
    }

    private void assertRestoresToSource(Snapshot snapshot) throws Exception {
        Path target = tmp.resolve("restore-" + snapshot.shortId());
        RestoreResult r = FilesTestSupport.restore(repoDir, snapshot, target, List.of());
        assertThat(r.failures()).isEmpty();
        Map<String, String> expected = TreeFingerprint.of(source);
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("data")))).isEmpty();
    }

    static Node findFile(Repository repo, Snapshot snapshot, String path) {
        List<Node> dir = repo.loadTree(BlobId.parse(snapshot.tree()));
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length; i++) {
            String name = parts[i];
            Node node = dir.stream().filter(n -> n.displayName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + name + " in the snapshot"));
            if (i == parts.length - 1) {
                return node;
            }
            dir = repo.loadDirectory(node.subtrees());
        }
        throw new AssertionError(path);
    }

    /** Rewrites the index without some blobs, as if their packs had been lost and the index repaired. */
    private static void dropFromIndex(Repository repo, Set<BlobId> ids) {
        List<IndexEntry> kept = new ArrayList<>();
        repo.index().forEach(e -> {
            if (!ids.contains(e.id())) {
                kept.add(e);
            }
        });
        List<String> oldIndexFiles = repo.store().list("index/");
        repo.writeIndexFile(kept);
        oldIndexFiles.forEach(repo.store()::delete);
    }
}
