package dr.summit.files.backup;

import dr.summit.files.FilesTestSupport;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A layout's {@link Archiver.ChunkReuse} decides which fixed-size chunks of a changed file are
 * taken from the parent unread: exactly those are not read (the restored file shows the parent's
 * bytes there, even where the file changed — the layout vouches for them), the others are read,
 * and a null answer reads the whole file.
 */
class ChunkReuseTest {
    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 10;
    @TempDir Path tmp;

    private static Archiver.Layout layout(Archiver.ChunkReuse reuse) {
        return new Archiver.Layout("test", p -> false, p -> true, CHUNK, true, null, reuse);
    }

    private static Archiver.Result backup(Path repoDir, Path source, Snapshot parent, Archiver.ChunkReuse reuse) throws Exception {
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            return new Archiver(repo, FilesTestSupport.options().withLayout(layout(reuse))).backup(List.of(source), parent);
        }
    }

    @Test
    void readsOnlyTheChunksTheLayoutDoesNotVouchFor() throws Exception {
        Path source = tmp.resolve("data");
        Path repoDir = tmp.resolve("repo");
        Files.createDirectories(source);
        byte[] before = new byte[CHUNKS * CHUNK + 1000];
        new Random(7).nextBytes(before);
        Path file = source.resolve("relation");
        Files.write(file, before);
        FilesTestSupport.init(repoDir);
        Snapshot first = backup(repoDir, source, null, null).snapshot();

        byte[] after = before.clone();
        for (int chunk : new int[] {3, 5, 7}) {
            after[chunk * CHUNK + 10] ^= 0x55;
        }
        after[CHUNKS * CHUNK + 5] ^= 0x55;   // the short last chunk: never reused
        Files.write(file, after);
        Set<Integer> changed = Set.of(3, 7);  // chunk 5 changed too, but the layout vouches for it
        Snapshot second = backup(repoDir, source, first, (path, size, parent) -> i -> !changed.contains(i)).snapshot();
        assertThat(second.summary().bytesRead()).isEqualTo(2L * CHUNK + 1000);

        Path target = tmp.resolve("restored");
        assertThat(FilesTestSupport.restore(repoDir, second, target, List.of()).failures()).isEmpty();
        byte[] restored = Files.readAllBytes(target.resolve("data/relation"));
        byte[] expected = after.clone();
        System.arraycopy(before, 5 * CHUNK, expected, 5 * CHUNK, CHUNK);
        assertThat(Arrays.equals(restored, expected)).as("new chunks 3, 7 and the tail; chunk 5 as in the parent").isTrue();

        Files.write(file, after);   // changed again (times), so it is not skipped as unchanged
        Snapshot third = backup(repoDir, source, second, (path, size, parent) -> null).snapshot();
        assertThat(third.summary().bytesRead()).as("no answer: the whole file is read").isEqualTo(after.length);
    }
}
