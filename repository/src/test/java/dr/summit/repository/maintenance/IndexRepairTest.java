package dr.summit.repository.maintenance;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.tree.TreeCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A damaged index file neither locks the repository nor loses data: verify names it, repair rebuilds it from the packs. */
class IndexRepairTest {
    private static final char[] PASSWORD = "pw".toCharArray();

    @TempDir
    Path dir;

    @Test
    void damagedIndexFileIsReportedAndRebuiltFromPackTrailers() throws Exception {
        List<BlobId> ids = new ArrayList<>();
        Random random = new Random(3);
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD,
                Repository.InitOptions.DEFAULT.withKdf(new Argon2Params(64, 1, 1)))) {
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                for (int i = 0; i < 20; i++) {
                    byte[] data = new byte[10_000 + random.nextInt(50_000)];
                    random.nextBytes(data);
                    ids.add(saver.save(BlobType.DATA, data).id());
                }
                BlobId tree = saver.save(BlobType.TREE, TreeCodec.encode(List.of())).id();
                saver.flush();
                repo.saveSnapshot(new Snapshot(null, Snapshot.VERSION, "files", Instant.now(), "h", "u", List.of("/x"),
                        List.of(), tree.hex(), null, "test", null));
            }
        }
        List<Path> indexFiles;
        try (var s = Files.list(dir.resolve("index"))) {
            indexFiles = s.toList();
        }
        assertThat(indexFiles).hasSize(1);
        byte[] bytes = Files.readAllBytes(indexFiles.get(0));
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(indexFiles.get(0), bytes);

        try (Repository repo = Repository.open(new LocalDirectoryStore(dir), PASSWORD)) {
            assertThat(repo.damagedIndexFiles()).singleElement().asString().contains(indexFiles.get(0).getFileName().toString());
            Verifier.Report report = new Verifier(repo, 2).verify(1.0);
            assertThat(report.errors()).anyMatch(e -> e.startsWith("index file damaged"));

            IndexRepair.Result result = new IndexRepair(repo).run();
            assertThat(result.packsIndexed()).isGreaterThanOrEqualTo(1);
            assertThat(result.damagedIndexFilesRemoved()).isEqualTo(1);
        }
        try (Repository repo = Repository.open(new LocalDirectoryStore(dir), PASSWORD)) {
            assertThat(repo.damagedIndexFiles()).isEmpty();
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
            for (BlobId id : ids) {
                assertThat(repo.loadBlob(BlobType.DATA, id)).isNotEmpty();
            }
        }
    }
}
