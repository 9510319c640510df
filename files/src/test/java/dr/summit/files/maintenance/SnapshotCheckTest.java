package dr.summit.files.maintenance;

import dr.summit.files.FilesTestSupport;
import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.SnapshotCheck;
import dr.summit.repository.snapshot.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SnapshotCheck on two snapshots sharing their data: intact, both pass; after the data pack is
 * damaged, each snapshot that needs it is reported — not only the first one checked.
 */
class SnapshotCheckTest {

    @Test
    void aDamagedBlobIsReportedForEverySnapshotThatNeedsIt(@TempDir Path tmp) throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Path source = tmp.resolve("src");
        FilesTestSupport.writeRandom(source.resolve("big.bin"), new Random(5), 3 << 20);
        Snapshot first = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Files.writeString(source.resolve("small.txt"), "changed tree, same big file");
        Snapshot second = FilesTestSupport.backup(repoDir, source, first).snapshot();

        try (Repository repo = FilesTestSupport.open(repoDir)) {
            SnapshotCheck check = new SnapshotCheck(repo, true);
            assertThat(check.check(first).ok()).isTrue();
            assertThat(check.check(second).ok()).isTrue();
            assertThat(check.check(first).bytesRead()).as("blobs already read are not read again").isZero();
        }

        Path largestPack;
        try (var packs = Files.walk(repoDir.resolve("data"))) {
            largestPack = packs.filter(Files::isRegularFile).max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(largestPack);
        bytes[100] ^= 1;
        largestPack.toFile().setWritable(true);
        Files.write(largestPack, bytes);

        try (Repository repo = FilesTestSupport.open(repoDir)) {
            SnapshotCheck check = new SnapshotCheck(repo, true);
            SnapshotCheck.Result a = check.check(first);
            SnapshotCheck.Result b = check.check(second);
            assertThat(a.ok()).isFalse();
            assertThat(b.ok()).as("the second snapshot needs the same damaged blob").isFalse();
            assertThat(b.problems()).anyMatch(p -> p.contains("big.bin"));
            assertThat(new SnapshotCheck(repo, false).check(second).ok()).as("without --read-data only presence is checked").isTrue();
        }
    }
}
