package dr.summit.files.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.backup.Archiver;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore's unit of work is a ranged read of at most 4 MiB, fetched ahead of the writers
 * (docs/architecture.md, "Restore"). With 16 MiB packs (the default) a pack is several ranges
 * restored by different workers, and one file's chunks spread over ranges and packs: the bytes must
 * still come back exactly, and a range that cannot be read must fail exactly the files with a chunk
 * in its pack, leave no temporary file behind, and let every other file be restored.
 */
@Timeout(120)
class RestoreReadAheadTest {
    /** Default-sized packs, small chunks: ~40 MiB of incompressible data makes 3 packs of several ranges each. */
    private static final Repository.InitOptions SIXTEEN_MIB_PACKS = new Repository.InitOptions(
            FilesTestSupport.FAST.chunker(), 16 * 1024 * 1024, Compression.ZSTD, 3, FilesTestSupport.FAST.kdf());

    @TempDir
    Path tmp;
    Path source;
    Path repoDir;
    Snapshot snapshot;

    @BeforeEach
    void backUpATreeLargerThanAPack() throws Exception {
        source = tmp.resolve("src");
        repoDir = tmp.resolve("repo");
        Repository.init(new LocalDirectoryStore(repoDir), FilesTestSupport.PASSWORD, SIXTEEN_MIB_PACKS).close();
        Random random = new Random(19_4);
        Files.createDirectories(source.resolve("base/16384"));
        // One large file (a relation segment's shape), many small ones, and a file made of one
        // repeated block (the same chunk at many offsets: written from one decoded blob).
        FilesTestSupport.writeRandom(source.resolve("base/16384/16397"), random, 30 * 1024 * 1024 + 4321);
        for (int i = 0; i < 200; i++) {
            FilesTestSupport.writeRandom(source.resolve("base/16384/" + (20000 + i)), random, random.nextInt(60_000));
        }
        byte[] block = FilesTestSupport.randomBytes(random, 8192);
        byte[] repeated = new byte[8192 * 300];
        for (int i = 0; i < 300; i++) {
            System.arraycopy(block, 0, repeated, i * 8192, 8192);
        }
        Files.write(source.resolve("base/16384/repeated"), repeated);
        FilesTestSupport.writeRandom(source.resolve("pg_xact"), random, 9 * 1024 * 1024);
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            snapshot = new Archiver(repo, FilesTestSupport.options()).backup(List.of(source), null).snapshot();
        }
    }

    @Test
    void aTreeSpreadOverSeveralRangesOfSeveralPacksComesBackExactly() throws Exception {
        assertThat(packs()).as("packs").hasSizeGreaterThanOrEqualTo(3);
        Path target = tmp.resolve("restore");
        RestoreResult result = FilesTestSupport.restore(repoDir, snapshot, target, List.of());
        assertThat(result.failures()).isEmpty();
        assertThat(result.verifiedFiles()).isEqualTo(203);
        Path restored = target.resolve("src");
        for (Path file : files(source)) {
            assertThat(Files.mismatch(file, restored.resolve(source.relativize(file).toString()))).as("%s", file).isEqualTo(-1L);
        }
    }

    @Test
    void aPackThatCannotBeReadFailsOnlyTheFilesWithAChunkInIt() throws Exception {
        // Each pack in turn: which files share a pack with which depends on the random keys.
        int restoredInSomeRun = 0;
        int run = 0;
        for (String broken : packs()) {
            AtomicReference<Boolean> armed = new AtomicReference<>(false);
            StoreFaults faults = (call, name) -> {
                if (armed.get() && call == StoreFaults.Call.GET && name.endsWith(broken)) {
                    throw new StoreException("injected read failure of " + name);
                }
            };
            Path target = tmp.resolve("restore-" + run++);
            RestoreResult result;
            try (Repository repo = Repository.open(new LocalDirectoryStore(repoDir, faults), FilesTestSupport.PASSWORD)) {
                armed.set(true);
                result = new Restorer(repo, Restorer.Options.defaults()).restore(snapshot, target);
            }
            assertThat(result.failures()).as("pack %s unreadable", broken).isNotEmpty()
                    .allSatisfy(f -> assertThat(f).contains("injected read failure"));
            // A pack may hold tree blobs too: then a directory's entries fail as one, by its listing.
            boolean listingLost = result.failures().stream().anyMatch(f -> f.contains("cannot read directory listing"));
            Path restored = target.resolve("src");
            int same = 0;
            for (Path file : files(source)) {
                Path copy = restored.resolve(source.relativize(file).toString());
                if (Files.exists(copy)) {
                    assertThat(Files.mismatch(file, copy)).as("%s is restored, so it is whole", copy).isEqualTo(-1L);
                    same++;
                } else if (!listingLost) {
                    assertThat(result.failures()).as("%s is missing, so it failed", copy).anyMatch(f -> f.startsWith(copy.toString()));
                }
            }
            if (!listingLost) {
                assertThat(result.failures().size() + same).isEqualTo(203);
            }
            try (Stream<Path> all = Files.walk(target)) {
                assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(Restorer.TEMP_PREFIX));
            }
            restoredInSomeRun += same;
        }
        // A small file is one chunk in one pack: with another pack unreadable, it comes back.
        assertThat(restoredInSomeRun).as("files restored while a pack they do not use was unreadable").isPositive();
    }

    private List<String> packs() throws Exception {
        try (Stream<Path> files = Files.walk(repoDir.resolve("data"))) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<Path> files(Path root) throws Exception {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(Files::isRegularFile).forEach(out::add);
        }
        return out;
    }
}
