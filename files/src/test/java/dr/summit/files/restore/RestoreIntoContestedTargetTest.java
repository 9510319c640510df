package dr.summit.files.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restoring into a directory another user can write: a directory swapped for a symlink to
 * elsewhere while the restore runs fails that directory, naming it, and nothing is written where
 * the link points; the operator is warned that the target is contested. The swap is made through a
 * test seam at the moment the restore has created a directory, so it is deterministic.
 */
@Timeout(120)
class RestoreIntoContestedTargetTest {
    @TempDir
    Path tmp;
    Path repoDir;
    Path outside;
    Snapshot snapshot;

    @BeforeEach
    void backUpATreeWithTwoDirectories() throws Exception {
        repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Path source = tmp.resolve("src");
        Files.createDirectories(source.resolve("a/deeper"));
        Files.writeString(source.resolve("a/one.txt"), "one\n");
        Files.writeString(source.resolve("a/deeper/two.txt"), "two\n");
        Files.createSymbolicLink(source.resolve("a/link"), Path.of("one.txt"));
        Files.createDirectories(source.resolve("b"));
        Files.writeString(source.resolve("b/three.txt"), "three\n");
        snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        outside = Files.createDirectories(tmp.resolve("outside"));
    }

    @Test
    void directorySwappedForASymlinkBeforeItIsWrittenIntoFailsNamingItAndWritesNothingOutside() throws Exception {
        Path target = tmp.resolve("restore");
        Path swapped = target.resolve("src/a");

        RestoreResult result = restore(target, created -> {
            if (created.equals(swapped)) {
                Files.delete(created);
                Files.createSymbolicLink(created, outside);
            }
        });

        assertThat(result.complete()).isFalse();
        assertThat(result.failures()).anySatisfy(f -> assertThat(f).startsWith(swapped + ": ").contains("symbolic link"));
        assertThat(entries(outside)).as("nothing may land where the swapped-in link points").isEmpty();
        assertThat(Files.readString(target.resolve("src/b/three.txt"))).as("the rest is restored").isEqualTo("three\n");
        assertThat(Files.isSymbolicLink(swapped)).as("the link is left alone, not followed").isTrue();
    }

    @Test
    void directorySwappedAfterItsFilesWereQueuedIsReportedAndNothingLandsOutside() throws Exception {
        Path target = tmp.resolve("restore");
        Path swapped = target.resolve("src/a");
        Path movedAway = tmp.resolve("moved-away");

        // src/b is created after src/a's files were queued and before any of their bytes are written.
        RestoreResult result = restore(target, created -> {
            if (created.equals(target.resolve("src/b"))) {
                Files.move(swapped, movedAway);
                Files.createSymbolicLink(swapped, outside);
            }
        });

        assertThat(result.complete()).isFalse();
        assertThat(result.failures()).anySatisfy(f -> assertThat(f).startsWith(swapped + ": ").contains("symbolic link"));
        assertThat(entries(outside)).as("nothing may land where the swapped-in link points").isEmpty();
        assertThat(Files.readString(movedAway.resolve("one.txt")))
                .as("the bytes went into the directory the restore created, wherever it was moved").isEqualTo("one\n");
        assertThat(Files.readString(target.resolve("src/b/three.txt"))).isEqualTo("three\n");
    }

    @Test
    void directoryReplacedByAnotherUsersDirectoryIsNotWrittenInto() throws Exception {
        Assumptions.assumeTrue(ProcessUser.uid() == 0, "needs root to create a directory owned by another user");
        Path target = tmp.resolve("restore");
        Path swapped = target.resolve("src/a");

        RestoreResult result = restore(target, created -> {
            if (created.equals(swapped)) {
                Files.delete(created);
                Files.createDirectory(created);
                Files.setAttribute(created, "unix:uid", 4321, LinkOption.NOFOLLOW_LINKS);
            }
        });

        assertThat(result.complete()).isFalse();
        assertThat(result.failures()).anySatisfy(f -> assertThat(f).startsWith(swapped + ": ").contains("uid 4321"));
        assertThat(entries(swapped)).isEmpty();
    }

    @Test
    void targetInADirectoryEveryoneCanWriteIsWarnedOnce() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 0777);

        RestoreResult result = restore(shared.resolve("restore"), created -> { });

        assertThat(result.complete()).isTrue();
        assertThat(result.warnings()).singleElement().asString()
                .contains(shared.toString(), "writable by all users", "0777", "no sticky bit");
    }

    @Test
    void targetWritableByItsGroupIsWarned() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("team"));
        Files.setAttribute(target, "unix:mode", 0770);

        assertThat(restore(target, created -> { }).warnings()).singleElement().asString()
                .contains("the target", "writable by its group");
    }

    @Test
    void targetInAStickyDirectoryLikeTmpIsNotWarned() throws Exception {
        Path sticky = Files.createDirectories(tmp.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);

        assertThat(restore(sticky.resolve("restore"), created -> { }).warnings()).isEmpty();
    }

    @Test
    void targetOwnedByAnotherUserIsWarned() throws Exception {
        Assumptions.assumeTrue(ProcessUser.uid() == 0, "needs root to give a directory to another user");
        Path theirs = Files.createDirectories(tmp.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 4321);

        assertThat(restore(theirs, created -> { }).warnings()).singleElement().asString()
                .contains("belongs to another user (uid 4321)");
    }

    private RestoreResult restore(Path target, Restorer.DirectoryHook hook) throws InterruptedException {
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Restorer.Options options = Restorer.Options.defaults().withVerify(true);
            return new Restorer(repo, options).afterDirectoryCreated(hook).restore(snapshot, target);
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
