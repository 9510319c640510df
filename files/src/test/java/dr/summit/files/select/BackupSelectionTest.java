package dr.summit.files.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupSelectionTest {
    @TempDir
    Path tmp;

    @Test
    void excludeCachesNeedsTheSignatureNotJustTheFile() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Files.writeString(cache.resolve("CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n# a cache\n");
        Path fake = Files.createDirectories(tmp.resolve("fake"));
        Files.writeString(fake.resolve("CACHEDIR.TAG"), "not a cache\n");
        BackupSelection selection = new BackupSelection(PathPatterns.NONE, List.of(), true, false);

        assertThat(selection.excludes(cache)).isTrue();
        assertThat(selection.excludes(fake)).isFalse();
        assertThat(selection.excludes(cache.resolve("CACHEDIR.TAG"))).isFalse();
        assertThat(BackupSelection.ALL.excludes(cache)).isFalse();
    }

    @Test
    void excludeIfPresentLeavesOutTheDirectoryHoldingTheMarker() throws Exception {
        Path marked = Files.createDirectories(tmp.resolve("marked"));
        Files.writeString(marked.resolve(".nobackup"), "");
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        BackupSelection selection = new BackupSelection(PathPatterns.NONE, List.of(".nobackup"), false, false);

        assertThat(selection.excludes(marked)).isTrue();
        assertThat(selection.excludes(plain)).isFalse();
        assertThat(selection.excludes(marked.resolve(".nobackup"))).isFalse();
    }

    @Test
    void oneFileSystemKeepsEntriesOnTheSameDevice() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        BackupSelection selection = new BackupSelection(PathPatterns.NONE, List.of(), false, true);

        assertThat(selection.excludes(file)).isFalse();
        // /proc is another file system than / on Linux.
        if (Files.isDirectory(Path.of("/proc/self"))) {
            assertThat(selection.excludes(Path.of("/proc"))).isTrue();
        }
    }

    @Test
    void patternsAreMatchedAgainstTheAbsolutePath() {
        BackupSelection selection = new BackupSelection(PathPatterns.parse(List.of("*.tmp", tmp + "/skip"), false),
                List.of(), false, false);

        assertThat(selection.excludes(tmp.resolve("a.tmp"))).isTrue();
        assertThat(selection.excludes(tmp.resolve("skip"))).isTrue();
        assertThat(selection.excludes(tmp.resolve("keep"))).isFalse();
    }
}
