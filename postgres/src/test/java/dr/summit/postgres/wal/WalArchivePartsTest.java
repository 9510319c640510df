package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Files larger than the whole-object limit are archived as parts plus a part list, and come back
 * byte for byte; small files keep the one-object layout of every earlier version.
 */
class WalArchivePartsTest {
    private static final char[] PASSWORD = "parts".toCharArray();
    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path dir;

    private Repository init() {
        return Repository.init(new LocalDirectoryStore(dir.resolve("repo")), PASSWORD,
                Repository.InitOptions.DEFAULT.withKdf(new Argon2Params(64, 1, 1)));
    }

    /** A segment with a long page header naming system 42, then seeded random bytes. */
    private Path segment(String name, int size, long seed) throws Exception {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        bytes[2] = 0x02;
        bytes[3] = 0;
        for (int i = 0; i < 8; i++) {
            bytes[24 + i] = (byte) (i == 0 ? 42 : 0);
        }
        Path file = Files.createDirectories(dir.resolve("pg_wal-" + seed)).resolve(name);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void aFileLargerThanTheWholeObjectLimitIsArchivedInPartsAndFetchedBackIdentical() throws Exception {
        try (Repository repo = init()) {
            WalArchive archive = new WalArchive(repo, "main", 64 * 1024, 10_000);
            Path file = segment(SEGMENT, 100_001, 1);
            assertThat(archive.push(file)).isEqualTo(WalArchive.Pushed.STORED);
            String object = WalArchive.prefix("main") + SEGMENT;
            assertThat(SealedObject.header(repo.store().getRange(object, 0, SealedObject.HEADER_BYTES), object).kind())
                    .isEqualTo(SealedObject.Kind.WAL_PARTS);
            assertThat(repo.store().list("pg/main/wal-parts/" + SEGMENT + "/")).hasSize(11);
            assertThat(archive.list()).containsExactly(SEGMENT);
            assertThat(archive.push(file)).isEqualTo(WalArchive.Pushed.ALREADY_ARCHIVED);

            Path restored = Files.createDirectories(dir.resolve("restore")).resolve("RECOVERYXLOG");
            assertThat(archive.fetch(SEGMENT, restored)).isTrue();
            assertThat(Files.readAllBytes(restored)).isEqualTo(Files.readAllBytes(file));
            assertThat(Files.getPosixFilePermissions(restored)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
            assertThat(archive.read(SEGMENT)).isEqualTo(Files.readAllBytes(file));
        }
    }

    @Test
    void aDifferentLargeFileUnderAnArchivedNameIsRefused() throws Exception {
        try (Repository repo = init()) {
            WalArchive archive = new WalArchive(repo, "main", 64 * 1024, 10_000);
            archive.push(segment(SEGMENT, 100_001, 1));
            Path other = segment(SEGMENT, 100_001, 2);
            assertThatThrownBy(() -> archive.push(other)).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("already archived").hasMessageContaining("different content");
        }
    }

    @Test
    void filesUpToTheLimitStayOneWalObject() throws Exception {
        try (Repository repo = init()) {
            WalArchive archive = new WalArchive(repo, "main", 64 * 1024, 10_000);
            Path file = segment(SEGMENT, 64 * 1024, 3);
            archive.push(file);
            assertThat(repo.getSealed(WalArchive.prefix("main") + SEGMENT, SealedObject.Kind.WAL)).isEqualTo(Files.readAllBytes(file));
            assertThat(repo.store().list("pg/main/wal-parts/")).isEmpty();
        }
    }

    @Test
    void pushesFromManyThreadsUnderABudgetSmallerThanTwoFilesAllLandWholeAndGiveTheBudgetBack() throws Exception {
        try (Repository repo = init()) {
            PushMemory memory = new PushMemory(100 * 1024);
            WalArchive archive = new WalArchive(repo, "main", 64 * 1024, 10_000).memory(memory);
            java.util.List<Path> files = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                files.add(segment(String.format("0000000100000000000000%02X", i + 16), 64 * 1024, 100 + i));
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<WalArchive.Pushed>> pushes = new java.util.ArrayList<>();
                for (Path f : files) {
                    pushes.add(pool.submit(() -> archive.push(f)));
                }
                for (var p : pushes) {
                    assertThat(p.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(WalArchive.Pushed.STORED);
                }
            } finally {
                pool.shutdownNow();
            }
            for (Path f : files) {
                assertThat(repo.getSealed(WalArchive.prefix("main") + f.getFileName(), SealedObject.Kind.WAL)).isEqualTo(Files.readAllBytes(f));
            }
            assertThat(memory.availableBytes()).isEqualTo(100 * 1024);
        }
    }

    @Test
    void deletingAnArchivedFileDeletesItsPartsToo() throws Exception {
        try (Repository repo = init()) {
            WalArchive archive = new WalArchive(repo, "main", 64 * 1024, 10_000);
            archive.push(segment(SEGMENT, 100_001, 1));
            archive.push(segment("000000010000000000000004", 100_001, 4));
            archive.delete(List.of(SEGMENT));
            assertThat(archive.list()).containsExactly("000000010000000000000004");
            assertThat(repo.store().list("pg/main/wal-parts/")).allMatch(n -> n.contains("/000000010000000000000004/")).hasSize(11);
        }
    }

    @Test
    void aSymbolicLinkAtThePushedNameIsRefusedNotFollowed() throws Exception {
        try (Repository repo = init()) {
            WalArchive archive = new WalArchive(repo, "main");
            Path target = segment("target", 1000, 5);
            Path link = Files.createDirectories(dir.resolve("links")).resolve(SEGMENT);
            Files.createSymbolicLink(link, target);
            assertThatThrownBy(() -> archive.push(link)).isInstanceOf(java.io.IOException.class);
            assertThat(archive.list()).isEmpty();
        }
    }

    @Test
    void partListsRoundTrip() {
        WalPartList list = new WalPartList(1L << 30, WalArchive.PART_BYTES, "0123456789abcdef", new byte[32]);
        WalPartList back = WalPartList.decode(list.encode(), "x");
        assertThat(back.size()).isEqualTo(1L << 30);
        assertThat(back.parts()).isEqualTo(128);
        assertThat(back.partSize(127)).isEqualTo(WalArchive.PART_BYTES);
        assertThat(back.pushId()).isEqualTo("0123456789abcdef");
    }
}
