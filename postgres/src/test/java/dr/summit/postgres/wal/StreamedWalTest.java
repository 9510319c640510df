package dr.summit.postgres.wal;

import dr.summit.postgres.restore.PgExpire;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Streamed pieces in a real (local) repository: how restore, wal-push and expire see them. */
class StreamedWalTest {
    private static final Repository.InitOptions FAST = new Repository.InitOptions(ChunkerParams.DEFAULT, 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    private static final int SIZE = 1 << 20;
    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path dir;
    @TempDir
    Path pgWal;

    /** A fake segment: a long page header (system 42, segment size 1 MiB) and random bytes. */
    private static byte[] segment(long seed) {
        byte[] b = new byte[SIZE];
        new Random(seed).nextBytes(b);
        Arrays.fill(b, 0, 40, (byte) 0);
        b[2] = 0x02;
        b[24] = 42;
        b[34] = 0x10;   // 0x00100000 little-endian
        return b;
    }

    private Repository repo() {
        return Repository.init(new LocalDirectoryStore(dir), "pw".toCharArray(), FAST);
    }

    @Test
    void aSegmentOnlyStreamedIsServedAsItsDurablePrefixPaddedWithZeros() {
        try (Repository repo = repo()) {
            WalPieces pieces = new WalPieces(repo, "main");
            WalArchive archive = new WalArchive(repo, "main");
            byte[] wal = segment(1);
            pieces.put(SEGMENT, wal, 0, 5000);
            pieces.put(SEGMENT, wal, 5000, 9000);
            pieces.put(SEGMENT, wal, 10_000, 12_000);   // after a hole: not durable as a prefix

            byte[] served = archive.read(SEGMENT);
            assertThat(served).hasSize(SIZE);
            assertThat(Arrays.copyOf(served, 9000)).isEqualTo(Arrays.copyOf(wal, 9000));
            assertThat(Arrays.copyOfRange(served, 9000, SIZE)).containsOnly(0);
            assertThat(archive.list()).doesNotContain(SEGMENT);
            assertThat(archive.listWithStreamed()).contains(SEGMENT);
            assertThat(archive.read("000000010000000000000004")).isNull();
        }
    }

    @Test
    void walPushOfASegmentAgreeingWithTheStreamIsStoredAndADifferentOneRefused() {
        try (Repository repo = repo()) {
            WalPieces pieces = new WalPieces(repo, "main");
            WalArchive archive = new WalArchive(repo, "main");
            byte[] wal = segment(2);
            pieces.put(SEGMENT, wal, 0, 70_000);

            byte[] other = wal.clone();
            other[65_537] ^= 1;
            assertThatThrownBy(() -> archive.push(SEGMENT, other)).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("WAL segment " + SEGMENT + " differs from the WAL streamed for it")
                    .hasMessageContaining("at offset 65537");
            assertThat(archive.list()).doesNotContain(SEGMENT);

            assertThat(archive.push(SEGMENT, wal)).isEqualTo(WalArchive.Pushed.STORED);
            assertThat(archive.read(SEGMENT)).isEqualTo(wal);
            // The receiver completing the same segment later: compared, accepted.
            assertThat(archive.push(SEGMENT, wal.clone())).isEqualTo(WalArchive.Pushed.ALREADY_ARCHIVED);
        }
    }

    /** As on S3, where every piece is its own write-once object: a piece stored again is compared at once. */
    @Test
    void aPieceStoredAgainMustHoldTheSameBytes() {
        try (Repository repo = repo()) {
            WalPieces pieces = new WalPieces(repo, "main", false);
            byte[] wal = segment(3);
            pieces.put(SEGMENT, wal, 0, 4000);
            pieces.put(SEGMENT, wal.clone(), 0, 4000);
            byte[] other = wal.clone();
            other[100] ^= 1;
            assertThatThrownBy(() -> pieces.put(SEGMENT, other, 0, 4000)).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("pg/main/wal-stream/" + SEGMENT + ".00000000-00000FA0");
        }
    }

    /**
     * On a local repository the pieces are records of one sealed log per segment: the durable
     * prefix is read from it, a torn end (a crash during an append) is ignored, a second writer's
     * log (a reconnect after a failure) joins it, a disagreeing record is refused on reading, and
     * archiving the segment whole deletes every log of it.
     */
    @Test
    void onALocalRepositoryPiecesAreRecordsOfASealedLog() throws Exception {
        try (Repository repo = repo()) {
            WalPieces pieces = new WalPieces(repo, "main");
            byte[] wal = segment(7);
            pieces.put(SEGMENT, wal, 0, 3000);
            pieces.put(SEGMENT, wal, 3000, 70_000);
            List<WalPieces.Stored> stored = pieces.objects();
            assertThat(stored).hasSize(1);
            assertThat(stored.get(0).object()).matches("pg/main/wal-stream/" + SEGMENT + "\\.log-[0-9a-f]{16}");
            assertThat(pieces.durablePrefix(SEGMENT)).isEqualTo(Arrays.copyOf(wal, 70_000));

            Path log = dir.resolve(stored.get(0).object());
            java.nio.file.Files.write(log, new byte[]{0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 'S', 'D'}, java.nio.file.StandardOpenOption.APPEND);
            assertThat(pieces.durablePrefix(SEGMENT)).isEqualTo(Arrays.copyOf(wal, 70_000));

            WalPieces reconnected = new WalPieces(repo, "main");
            reconnected.put(SEGMENT, wal, 60_000, 80_000);
            assertThat(pieces.objects()).hasSize(2);
            assertThat(pieces.durablePrefix(SEGMENT)).isEqualTo(Arrays.copyOf(wal, 80_000));

            new WalArchive(repo, "main").push(SEGMENT, wal);
            new PgExpire(repo, "main").execute(new PgExpire.Plan(List.of(), List.of(), List.of()));
            assertThat(pieces.objects()).isEmpty();

            String next = "000000010000000000000004";
            byte[] other = wal.clone();
            other[900] ^= 1;
            pieces.put(next, wal, 0, 1000);
            new WalPieces(repo, "main").put(next, other, 800, 1000);
            assertThatThrownBy(() -> pieces.durablePrefix(next)).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("streamed WAL pieces of segment " + next + " disagree at offset 900");
            pieces.delete(next);
            assertThat(pieces.objects()).isEmpty();
        }
    }

    @Test
    void expireRemovesThePiecesOfSegmentsArchivedWhole() {
        try (Repository repo = repo()) {
            WalPieces pieces = new WalPieces(repo, "main");
            WalArchive archive = new WalArchive(repo, "main");
            byte[] complete = segment(4);
            pieces.put(SEGMENT, complete, 0, 1000);
            archive.push(SEGMENT, complete);
            byte[] growing = segment(5);
            pieces.put("000000010000000000000004", growing, 0, 1000);

            PgExpire expire = new PgExpire(repo, "main");
            expire.execute(new PgExpire.Plan(List.of(), List.of(), List.of()));
            assertThat(pieces.segments()).containsExactly("000000010000000000000004");
        }
    }

    /**
     * Streamed pieces with the part layout (thresholds lowered so a 1 MiB segment is stored in
     * parts): a channel push is compared with the streamed prefix chunk by chunk, the receiver's
     * push of a large segment goes through parts, find serves a streamed-only segment padded with
     * zeros, and expire deletes parts and pieces of expired segments.
     */
    @Test
    void streamedSegmentsAndTheirComparisonWorkWithParts() throws Exception {
        try (Repository repo = repo()) {
            WalPieces pieces = new WalPieces(repo, "main");
            WalArchive archive = new WalArchive(repo, "main", 100_000, 40_000);
            byte[] wal = segment(6);
            pieces.put(SEGMENT, wal, 0, 300_000);

            byte[] other = wal.clone();
            other[250_001] ^= 1;
            Path file = pgWal.resolve(SEGMENT);
            java.nio.file.Files.write(file, other);
            assertThatThrownBy(() -> archive.push(file)).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("differs from the WAL streamed for it").hasMessageContaining("at offset 250001");
            assertThat(archive.list()).doesNotContain(SEGMENT);

            WalArchive.Archived streamedOnly = archive.find(SEGMENT);
            assertThat(streamedOnly.streamedOnly()).isTrue();
            assertThat(streamedOnly.size()).isEqualTo(SIZE);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            streamedOnly.writeTo(java.nio.channels.Channels.newChannel(out));
            assertThat(Arrays.copyOf(out.toByteArray(), 300_000)).isEqualTo(Arrays.copyOf(wal, 300_000));
            assertThat(Arrays.copyOfRange(out.toByteArray(), 300_000, SIZE)).containsOnly(0);

            java.nio.file.Files.write(file, wal);
            assertThat(archive.push(file)).isEqualTo(WalArchive.Pushed.STORED);
            assertThat(archive.find(SEGMENT).streamedOnly()).isFalse();
            assertThat(archive.pushStreamed(SEGMENT, wal.clone())).isEqualTo(WalArchive.Pushed.ALREADY_ARCHIVED);
            assertThat(archive.read(SEGMENT)).isEqualTo(wal);

            String next = "000000010000000000000004";
            byte[] completed = segment(7);
            pieces.put(next, completed, 0, 500_000);
            assertThat(archive.pushStreamed(next, completed)).isEqualTo(WalArchive.Pushed.STORED);
            assertThat(repo.store().list("pg/main/wal-parts/" + next + "/")).hasSize(SIZE / 40_000 + 1);
            assertThat(archive.read(next)).isEqualTo(completed);

            new PgExpire(repo, "main").execute(new PgExpire.Plan(List.of(), List.of(), List.of(SEGMENT, next)));
            assertThat(archive.list()).isEmpty();
            assertThat(repo.store().list("pg/main/wal-parts/")).isEmpty();
            assertThat(pieces.segments()).isEmpty();
        }
    }
}
