package dr.summit.files.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore creates directories ahead of its walk on several threads, runs one batch of files
 * while the walk fills the next, and applies directory metadata one depth at a time on all
 * workers. Seeded random trees, deep and wide, with more files than one batch holds and
 * directories whose modes forbid writing into them, must come back entry for entry: content,
 * mode and mtime of every file and directory, with every file verified.
 */
@Timeout(300)
class ParallelRestoreTest {
    private static final int[] DIRECTORY_MODES = {0755, 0700, 0750, 0555, 0500, 0711, 02755, 0775};
    private static final int[] FILE_MODES = {0644, 0600, 0444, 0400, 0755, 0640};

    @TempDir
    Path tmp;

    @Test
    void randomTreesLargerThanABatchComeBackEntryForEntry() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Path round = Files.createDirectories(tmp.resolve("seed-" + seed));
            Path source = round.resolve("src");
            int[] made = buildTree(source, new Random(seed), 1_500 + (int) seed * 500);
            Map<String, String> expected = TreeFingerprint.of(source);
            Path repoDir = round.resolve("repo");
            FilesTestSupport.init(repoDir);
            Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();

            RestoreResult result = FilesTestSupport.restore(repoDir, snapshot, round.resolve("restore"), List.of());

            assertThat(result.failures()).as("seed %d", seed).isEmpty();
            assertThat(result.complete()).isTrue();
            assertThat(result.files()).isEqualTo(made[0]);
            assertThat(result.directories()).isEqualTo(made[1] + 1);   // and the snapshot's root, "src"
            assertThat(result.verifiedFiles()).as("every file verified, across all batches").isEqualTo(made[0]);
            assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(round.resolve("restore/src"))))
                    .as("seed %d", seed).isEmpty();
            makeWritable(round);
        }
    }

    @Test
    void aSelectedSubtreeComesBackWithItsDirectoriesAndNothingElse() throws Exception {
        Path source = tmp.resolve("src");
        buildTree(source, new Random(7), 2_000);
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path chosen = source.resolve("d0");
        Map<String, String> expected = TreeFingerprint.of(chosen);

        RestoreResult result = FilesTestSupport.restore(repoDir, snapshot, tmp.resolve("restore"), List.of("src/d0"));

        assertThat(result.failures()).isEmpty();
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(tmp.resolve("restore/src/d0")))).isEmpty();
        try (var top = Files.list(tmp.resolve("restore/src"))) {
            assertThat(top.map(p -> p.getFileName().toString()).toList()).containsExactly("d0");
        }
        makeWritable(tmp);
    }

    @Test
    void aRestoreWithOneWorkerGivesTheSameTree() throws Exception {
        Path source = tmp.resolve("src");
        buildTree(source, new Random(11), 1_800);
        Map<String, String> expected = TreeFingerprint.of(source);
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();

        RestoreResult result;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Restorer.Options defaults = Restorer.Options.defaults();
            Restorer.Options one = new Restorer.Options(1, List.of(), true, defaults.restoreOwner());
            result = new Restorer(repo, one).restore(snapshot, tmp.resolve("restore"));
        }

        assertThat(result.failures()).isEmpty();
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(tmp.resolve("restore/src")))).isEmpty();
        makeWritable(tmp);
    }

    /**
     * Builds a tree of about {@code files} small files in directories up to seven deep, most
     * directories holding a few subdirectories; modes and mtimes random, directory metadata set
     * last (deepest first) so the source itself is consistent. Returns {files, directories}.
     */
    private static int[] buildTree(Path root, Random random, int files) throws IOException {
        List<Path> directories = new ArrayList<>();
        directories.add(Files.createDirectories(root));
        for (int i = 0; i < files / 9; i++) {
            Path parent = directories.get(random.nextInt(directories.size()));
            if (root.relativize(parent).getNameCount() >= 7) {
                parent = root;
            }
            directories.add(Files.createDirectory(parent.resolve("d" + i)));
        }
        for (int i = 0; i < files; i++) {
            Path dir = directories.get(random.nextInt(directories.size()));
            Path file = FilesTestSupport.writeRandom(dir.resolve("f" + i), random, random.nextInt(6) == 0 ? 0 : random.nextInt(20_000));
            Files.setLastModifiedTime(file, FileTime.fromMillis(1_600_000_000_000L + random.nextInt(1_000_000_000)));
            Files.setAttribute(file, "unix:mode", FILE_MODES[random.nextInt(FILE_MODES.length)]);
        }
        for (int i = directories.size() - 1; i >= 1; i--) {
            Path dir = directories.get(i);
            Files.setLastModifiedTime(dir, FileTime.fromMillis(1_500_000_000_000L + random.nextInt(1_000_000_000)));
            Files.setAttribute(dir, "unix:mode", DIRECTORY_MODES[random.nextInt(DIRECTORY_MODES.length)], LinkOption.NOFOLLOW_LINKS);
        }
        return new int[] {files, directories.size() - 1};
    }

    /** Read-only directories would stop @TempDir's clean-up when the tests do not run as root. */
    private static void makeWritable(Path root) throws IOException {
        try (var all = Files.walk(root)) {
            for (Path p : all.filter(Files::isDirectory).toList()) {
                Files.setAttribute(p, "unix:mode", 0700);
            }
        }
    }
}
