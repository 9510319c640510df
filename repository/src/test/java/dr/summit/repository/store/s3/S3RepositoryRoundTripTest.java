package dr.summit.repository.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.TestBytes;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.snapshot.Snapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A repository on an S3 prefix works as one in a directory: init, save, reopen, load, snapshots. */
class S3RepositoryRoundTripTest {
    /** Default 16 MiB packs, so packs go up as multipart uploads; cheap Argon2. */
    static final Repository.InitOptions OPTIONS = new Repository.InitOptions(ChunkerParams.DEFAULT, 16 * 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    static final char[] PASSWORD = "s3 round trip".toCharArray();
    static LoopbackS3 s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = LoopbackS3.start();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @Test
    void blobsAndSnapshotsSavedOnS3LoadBackAfterReopening() {
        String bucket = s3.newBucket();
        Random random = new Random(720);
        Map<BlobId, byte[]> saved = new LinkedHashMap<>();
        String snapshotId;
        try (Repository repo = Repository.init(s3.store(bucket, "hosts/db1"), PASSWORD, OPTIONS)) {
            try (BlobSaver saver = repo.newBlobSaver(2)) {
                for (int i = 0; i < 90; i++) {
                    // Incompressible blobs, ~22 MiB in all: one full 16 MiB pack and a remainder.
                    byte[] data = i % 3 == 0 ? TestBytes.compressible(random, 50_000) : TestBytes.random(random, 380_000);
                    saved.put(saver.save(BlobType.DATA, data).id(), data);
                }
                saver.flush();
                assertThat(saver.packsWritten()).isEqualTo(2);
            }
            snapshotId = repo.saveSnapshot(new Snapshot(null, Snapshot.VERSION, "files", Instant.parse("2025-11-25T12:00:00Z"),
                    "db1", "root", List.of("/srv"), List.of("nightly"), "ab".repeat(32), null, "summit-dr test", null)).id();
        }

        try (Repository repo = Repository.open(s3.store(bucket, "hosts/db1"), PASSWORD)) {
            assertThat(repo.index().size()).isEqualTo(saved.size());
            saved.forEach((id, data) -> assertThat(repo.loadBlob(BlobType.DATA, id)).isEqualTo(data));
            assertThat(repo.listSnapshots()).extracting(Snapshot::id).containsExactly(snapshotId);
            assertThat(repo.findSnapshot("latest").tags()).containsExactly("nightly");
            assertThat(repo.store().list("data/")).hasSize(2);
            // Ranged reads of single blobs, not whole packs.
            assertThat(repo.store().stats().snapshot().getBytes()).isLessThan(30L * 1024 * 1024);
        }
        assertThat(s3.keys(bucket)).allMatch(k -> k.startsWith("hosts/db1/")).contains("hosts/db1/config");
        assertThat(s3.pendingUploads(bucket)).isZero();
    }

    @Test
    void initRefusesAnExistingRepositoryOnTheSamePrefixButAnotherPrefixIsFree() {
        String bucket = s3.newBucket();
        Repository.init(s3.store(bucket, "a"), PASSWORD, OPTIONS).close();
        assertThatThrownBy(() -> Repository.init(s3.store(bucket, "a"), PASSWORD, OPTIONS))
                .isInstanceOf(RepositoryException.class)
                .hasMessage("a repository already exists at " + s3.location(bucket, "a"));
        Repository.init(s3.store(bucket, "b"), PASSWORD, OPTIONS).close();
        Repository.open(s3.store(bucket, "b"), PASSWORD).close();
    }
}
