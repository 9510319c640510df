package dr.summit.files;

import dr.summit.files.backup.Archiver;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.files.restore.RestoreResult;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk — under the repository during backup, or under the target during restore — fails
 * with a message naming the cause and leaves nothing half-written. Uses small tmpfs mounts, so it
 * runs only where the test may mount (root with CAP_SYS_ADMIN, as in CI); elsewhere it is skipped.
 */
class DiskFullTest {
    @TempDir
    Path tmp;
    private Path mount;

    @BeforeEach
    void mountTinyFileSystem() throws Exception {
        mount = Files.createDirectories(tmp.resolve("tiny"));
        assumeTrue(mountTmpfs(mount, "4m"), "cannot mount tmpfs here; disk-full behaviour not tested");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            FilesTestSupport.sh("umount", "-l", mount.toString());
        }
    }

    @Test
    void backupIntoAFullRepositoryDiskFailsClearlyAndCommitsNothing() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        Random random = new Random(11);
        for (int i = 0; i < 6; i++) {
            FilesTestSupport.writeRandom(source.resolve("f" + i), random, 1 << 20);
        }
        Path repoDir = mount.resolve("repo");
        FilesTestSupport.init(repoDir);

        assertThatThrownBy(() -> FilesTestSupport.backup(repoDir, source, null))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("No space left on device")
                .hasMessageContaining(repoDir.toString());

        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(repo.listSnapshots()).isEmpty();
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
        }
        // With room again, the next backup succeeds and restores identically.
        FilesTestSupport.sh("mount", "-o", "remount,size=64m", mount.toString());
        Snapshot s = FilesTestSupport.backup(repoDir, source, null).snapshot();
        RestoreResult r = FilesTestSupport.restore(repoDir, s, tmp.resolve("restored"), List.of());
        assertThat(r.complete()).isTrue();
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(source), TreeFingerprint.of(tmp.resolve("restored/source"))))
                .isEmpty();
    }

    @Test
    void restoreOntoAFullDiskNeverLeavesAFileWithWrongBytesUnderItsName() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        Random random = new Random(12);
        for (int i = 0; i < 8; i++) {
            FilesTestSupport.writeRandom(source.resolve("f" + i), random, 1 << 20);
        }
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Snapshot s = FilesTestSupport.backup(repoDir, source, null).snapshot();

        Path target = mount.resolve("restore");
        RestoreResult r = FilesTestSupport.restore(repoDir, s, target, List.of());

        assertThat(r.complete()).isFalse();
        assertThat(String.join("\n", r.failures())).contains("No space left on device");
        Map<String, String> expected = TreeFingerprint.of(source);
        Map<String, String> restored = TreeFingerprint.of(target.resolve("source"));
        assertThat(restored).isNotEmpty();
        for (Map.Entry<String, String> e : restored.entrySet()) {
            assertThat(e.getValue()).as("restored file %s is complete and correct", e.getKey()).isEqualTo(expected.get(e.getKey()));
        }
        try (var leftovers = Files.list(target.resolve("source"))) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".summit-restore-"));
        }
    }

    private static boolean mountTmpfs(Path dir, String size) {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
