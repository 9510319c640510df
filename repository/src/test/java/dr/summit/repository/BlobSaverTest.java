package dr.summit.repository;

import static dr.summit.repository.RepositoryTest.FAST;
import static dr.summit.repository.RepositoryTest.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobSaverTest {

    @TempDir
    Path dir;

    private record Blob(BlobType type, byte[] data) {
    }

    private static List<Blob> randomBlobs(Random random, int count) {
        List<Blob> blobs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = i % 50 == 0 ? random.nextInt(10) : 1_000 + random.nextInt(40_000);
            byte[] data = random.nextBoolean() ? TestBytes.random(random, length) : TestBytes.compressible(random, length);
            blobs.add(new Blob(random.nextInt(5) == 0 ? BlobType.TREE : BlobType.DATA, data));
        }
        return blobs;
    }

    /** Every thread saves every blob, each in its own order: most saves are duplicates, some race each other. */
    private static int saveFromThreads(BlobSaver saver, List<Blob> blobs, int threads, long seed) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger added = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Blob> order = new ArrayList<>(blobs);
                Collections.shuffle(order, new Random(seed + t));
                futures.add(pool.submit(() -> {
                    start.await();
                    for (Blob b : order) {
                        if (saver.save(b.type(), b.data()).added()) {
                            added.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return added.get();
    }

    @Test
    void concurrentSavesStoreEachBlobOnceAndEveryBlobLoadsBack() throws Exception {
        Random random = new Random(150);
        List<Blob> blobs = randomBlobs(random, 300);
        Set<BlobId> unique = new HashSet<>();
        long packs;
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST)) {
            blobs.forEach(b -> unique.add(repo.hasher().id(b.type(), b.data())));
            try (BlobSaver saver = repo.newBlobSaver(2)) {
                int added = saveFromThreads(saver, blobs, 4, 151);
                saver.flush();

                assertThat(added).isEqualTo(unique.size());
                assertThat(saver.newBlobs()).isEqualTo(unique.size());
                assertThat(saver.packsWritten()).isGreaterThan(1);
                packs = saver.packsWritten();
            }
            assertThat(repo.store().list("data/")).hasSize((int) packs);
            assertThat(repo.index().size()).isEqualTo(unique.size());
            for (Blob b : blobs) {
                assertThat(repo.loadBlob(b.type(), repo.hasher().id(b.type(), b.data()))).isEqualTo(b.data());
            }
        }

        // Reopened, the index comes from the index files alone.
        try (Repository repo = Repository.open(new LocalDirectoryStore(dir), PASSWORD)) {
            assertThat(repo.index().size()).isEqualTo(unique.size());
            assertThat(repo.index().packCount()).isEqualTo((int) packs);
            for (Blob b : blobs) {
                assertThat(repo.loadBlob(b.type(), repo.hasher().id(b.type(), b.data()))).isEqualTo(b.data());
            }
            try (BlobSaver again = repo.newBlobSaver(2)) {
                assertThat(saveFromThreads(again, blobs, 2, 152)).isZero();
                again.flush();
                assertThat(again.newBlobs()).isZero();
                assertThat(again.packsWritten()).isZero();
            }
            assertThat(repo.store().list("data/")).hasSize((int) packs);
        }
    }

    @Test
    void savedIdIsTheKeyedHashOfTheContent() {
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST);
             BlobSaver saver = repo.newBlobSaver(1)) {
            byte[] buf = "0123456789".getBytes();
            BlobSaver.Saved whole = saver.save(BlobType.DATA, buf);
            BlobSaver.Saved slice = saver.save(BlobType.DATA, buf, 2, 5);
            assertThat(whole).isEqualTo(new BlobSaver.Saved(repo.hasher().id(BlobType.DATA, buf), true));
            assertThat(slice.id()).isEqualTo(repo.hasher().id(BlobType.DATA, "23456".getBytes()));
            assertThat(saver.save(BlobType.DATA, "23456".getBytes())).isEqualTo(new BlobSaver.Saved(slice.id(), false));
            saver.flush();
            assertThat(repo.loadBlob(BlobType.DATA, slice.id())).isEqualTo("23456".getBytes());
            assertThat(saver.newBytes()).isEqualTo(15);
        }
    }

    @Test
    void blobsLargerThanAPackAndEmptyBlobsRoundTrip() {
        Random random = new Random(153);
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST);
             BlobSaver saver = repo.newBlobSaver(1)) {
            byte[] big = TestBytes.random(random, 3 * 1024 * 1024);
            byte[] empty = new byte[0];
            BlobId bigId = saver.save(BlobType.DATA, big).id();
            BlobId emptyId = saver.save(BlobType.DATA, empty).id();
            saver.flush();
            assertThat(repo.loadBlob(BlobType.DATA, bigId)).isEqualTo(big);
            assertThat(repo.loadBlob(BlobType.DATA, emptyId)).isEmpty();
            assertThat(saver.packsWritten()).isEqualTo(2);
        }
    }

    @Test
    void flushWithNothingSavedWritesNothing() {
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST);
             BlobSaver saver = repo.newBlobSaver(2)) {
            saver.flush();
            saver.flush();
            assertThat(repo.store().list("index/")).isEmpty();
            assertThat(repo.store().list("data/")).isEmpty();
        }
    }

    @Test
    void aSaverCanFlushRepeatedly() {
        Random random = new Random(154);
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST);
             BlobSaver saver = repo.newBlobSaver(2)) {
            List<BlobId> ids = new ArrayList<>();
            List<byte[]> data = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                byte[] d = TestBytes.random(random, 1000);
                data.add(d);
                ids.add(saver.save(BlobType.DATA, d).id());
                saver.flush();
            }
            assertThat(repo.store().list("index/")).hasSize(3);
            for (int i = 0; i < 3; i++) {
                assertThat(repo.loadBlob(BlobType.DATA, ids.get(i))).isEqualTo(data.get(i));
            }
        }
    }

    @Test
    void aFailedPackUploadSurfacesAtFlushAndNoIndexListsThePack() {
        StoreFaults failPacks = (call, name) -> {
            if (call == StoreFaults.Call.PUT && name.startsWith("data/")) {
                throw new StoreException("injected: disk full writing " + name);
            }
        };
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir, failPacks), PASSWORD, FAST);
             BlobSaver saver = repo.newBlobSaver(1)) {
            saver.save(BlobType.DATA, "lost".getBytes());
            assertThatThrownBy(saver::flush).isInstanceOf(StoreException.class).hasMessageContaining("disk full");
            assertThat(repo.store().list("index/")).isEmpty();
            assertThat(repo.index().size()).isZero();
            assertThat(((LocalDirectoryStore) repo.store()).leftoverTemporaryFiles()).as("the failed pack's staged file").isEmpty();
        }
    }

    @Test
    void packsAreWrittenIntoTheStoreAsTheyFillAndASaverClosedBeforeFlushLeavesNoTemporaryFile() {
        Random random = new Random(155);
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST)) {
            LocalDirectoryStore store = (LocalDirectoryStore) repo.store();
            try (BlobSaver saver = repo.newBlobSaver(2)) {
                saver.save(BlobType.DATA, TestBytes.random(random, 5000));
                saver.save(BlobType.TREE, TestBytes.random(random, 300));
                assertThat(store.leftoverTemporaryFiles()).as("one staged pack per blob type").hasSize(2);
                assertThat(store.list("data/")).isEmpty();
            }
            assertThat(store.leftoverTemporaryFiles()).isEmpty();
            assertThat(store.list("data/")).isEmpty();
            assertThat(repo.index().size()).isZero();
        }
    }
    @Test
    void aLongRunWritesIndexFilesBeforeFlushAndTheyAllLoad() {
        int count = 120_000;
        try (Repository repo = Repository.init(new LocalDirectoryStore(dir), PASSWORD, FAST)) {
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                for (int i = 0; i < count; i++) {
                    saver.save(BlobType.DATA, java.nio.ByteBuffer.allocate(4).putInt(i).array());
                }
                saver.flush();
                assertThat(saver.newBlobs()).isEqualTo(count);
                assertThat(saver.packsWritten()).isEqualTo(3);
            }
            // One index file written mid-run (50,000 entries or more), one by flush for the rest.
            assertThat(repo.store().list("index/")).hasSize(2);
        }
        try (Repository repo = Repository.open(new LocalDirectoryStore(dir), PASSWORD)) {
            assertThat(repo.index().size()).isEqualTo(count);
            for (int i = 0; i < count; i += 997) {
                byte[] data = java.nio.ByteBuffer.allocate(4).putInt(i).array();
                assertThat(repo.loadBlob(BlobType.DATA, repo.hasher().id(BlobType.DATA, data))).isEqualTo(data);
            }
        }
    }
}
