package dr.summit.repository.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.RepositoryException;
import dr.summit.repository.TestBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryStoreTest {

    @TempDir
    Path dir;

    @Test
    void putThenGetReturnsTheBytes() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        Random random = new Random(130);
        Map<String, byte[]> objects = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            String name = switch (i % 4) {
                case 0 -> "config" + i;
                case 1 -> "snapshots/" + i;
                case 2 -> "data/" + String.format("%02x", i) + "/" + "ab".repeat(32) + i;
                default -> "keys/slots/" + i;
            };
            byte[] data = TestBytes.random(random, i == 0 ? 0 : random.nextInt(100_000));
            store.put(name, data);
            objects.put(name, data);
        }
        objects.forEach((name, data) -> {
            assertThat(store.get(name)).isEqualTo(data);
            assertThat(store.exists(name)).isTrue();
            assertThat(store.size(name)).isEqualTo(data.length);
        });
        assertThat(store.list("")).containsExactlyInAnyOrderElementsOf(objects.keySet());
    }

    @Test
    void putOfASliceStoresOnlyTheSlice() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        store.put("x", new byte[]{1, 2, 3, 4, 5}, 1, 3);
        assertThat(store.get("x")).containsExactly(2, 3, 4);
    }

    @Test
    void getRangeReadsAnyRangeAndRefusesToReadPastTheEnd() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        Random random = new Random(131);
        byte[] data = TestBytes.random(random, 10_000);
        store.put("data/00/pack", data);
        for (int i = 0; i < 200; i++) {
            int offset = random.nextInt(data.length + 1);
            int length = random.nextInt(data.length - offset + 1);
            assertThat(store.getRange("data/00/pack", offset, length))
                    .isEqualTo(java.util.Arrays.copyOfRange(data, offset, offset + length));
        }
        assertThatThrownBy(() -> store.getRange("data/00/pack", 9_990, 11))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("data/00/pack")
                .hasMessageContaining("is truncated: wanted 11 bytes at offset 9990, it has 10000");
        assertThatThrownBy(() -> store.getRange("data/00/pack", 20_000, 1)).isInstanceOf(StoreException.class);
    }

    @Test
    void getRangeIntoAReusedBufferFillsItsStartAndLeavesTheRest() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        Random random = new Random(132);
        byte[] data = TestBytes.random(random, 700_000);
        store.put("data/00/pack", data);
        byte[] buffer = new byte[800_000];
        for (int i = 0; i < 100; i++) {
            java.util.Arrays.fill(buffer, (byte) 0x5a);
            int offset = random.nextInt(data.length + 1);
            int length = random.nextInt(data.length - offset + 1);
            store.getRange("data/00/pack", offset, length, buffer);
            assertThat(java.util.Arrays.copyOf(buffer, length)).isEqualTo(java.util.Arrays.copyOfRange(data, offset, offset + length));
            if (length < buffer.length) {
                assertThat(buffer[length]).as("byte after the range").isEqualTo((byte) 0x5a);
            }
        }
        assertThatThrownBy(() -> store.getRange("data/00/pack", 699_990, 11, buffer))
                .hasMessageContaining("is truncated: wanted 11 bytes at offset 699990, it has 700000");
        assertThatThrownBy(() -> store.getRange("data/00/gone", 0, 1, buffer)).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void missingObjectsAreReportedAsNotFound() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        assertThatThrownBy(() -> store.get("snapshots/nope"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessage("object snapshots/nope not found in " + store.location());
        assertThatThrownBy(() -> store.getRange("data/nope", 0, 1)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.size("nope")).isInstanceOf(ObjectNotFoundException.class);
        assertThat(store.exists("nope")).isFalse();
    }

    @Test
    void putRefusesToOverwriteAndKeepsTheOldContent() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        store.put("snapshots/a", "old".getBytes());
        assertThatThrownBy(() -> store.put("snapshots/a", "new content".getBytes()))
                .isInstanceOf(ObjectExistsException.class)
                .hasMessageContaining("snapshots/a already exists");
        assertThat(store.get("snapshots/a")).isEqualTo("old".getBytes());
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
    }

    @Test
    void concurrentPutsOfOneNameLetExactlyOneWin() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger won = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte[] data = new byte[1000];
                java.util.Arrays.fill(data, (byte) t);
                futures.add(pool.submit(() -> {
                    start.await();
                    try {
                        store.put("index/same", data);
                        won.incrementAndGet();
                    } catch (ObjectExistsException e) {
                        refused.incrementAndGet();
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
        assertThat(won.get()).isEqualTo(1);
        assertThat(refused.get()).isEqualTo(threads - 1);
        byte[] stored = store.get("index/same");
        assertThat(stored).hasSize(1000);
        assertThat(stored).containsOnly(stored[0]);
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
    }

    @Test
    void noTemporaryFilesRemainAfterPuts() throws IOException {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        for (int i = 0; i < 50; i++) {
            store.put("data/" + (i % 5) + "/obj" + i, new byte[i]);
        }
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
        try (var walk = Files.walk(dir)) {
            assertThat(walk.filter(Files::isRegularFile).count()).isEqualTo(50);
        }
    }

    @Test
    void listSkipsTemporaryFilesAndListsOnlyUnderThePrefix() throws IOException {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        store.put("snapshots/one", new byte[1]);
        store.put("snapshots/two", new byte[1]);
        store.put("index/three", new byte[1]);
        store.put("data/ab/four", new byte[1]);
        Files.write(dir.resolve("snapshots").resolve(LocalDirectoryStore.TEMP_PREFIX + "one-1234"), new byte[3]);
        Files.write(dir.resolve("data/ab").resolve(LocalDirectoryStore.TEMP_PREFIX + "x-1"), new byte[3]);

        assertThat(store.list("snapshots/")).containsExactlyInAnyOrder("snapshots/one", "snapshots/two");
        assertThat(store.list("snapshots")).containsExactlyInAnyOrder("snapshots/one", "snapshots/two");
        assertThat(store.list("data/")).containsExactly("data/ab/four");
        assertThat(store.list("")).containsExactlyInAnyOrder("snapshots/one", "snapshots/two", "index/three", "data/ab/four");
        assertThat(store.list("keys/")).isEmpty();
        assertThat(store.leftoverTemporaryFiles()).hasSize(2);
    }

    @Test
    void listOfAMissingRootIsEmpty() {
        assertThat(new LocalDirectoryStore(dir.resolve("not-yet")).list("")).isEmpty();
    }

    @Test
    void putCreatesTheRootAndParents() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir.resolve("new/repo"));
        store.put("data/aa/bb", new byte[]{9});
        assertThat(Files.exists(dir.resolve("new/repo/data/aa/bb"))).isTrue();
    }

    @Test
    void deleteRemovesAndIsIdempotent() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        store.put("snapshots/a", new byte[1]);
        store.delete("snapshots/a");
        assertThat(store.exists("snapshots/a")).isFalse();
        assertThat(store.list("snapshots/")).isEmpty();
        store.delete("snapshots/a");
        store.put("snapshots/a", new byte[2]);
        assertThat(store.get("snapshots/a")).hasSize(2);
    }

    @Test
    void namesThatEscapeTheRootAreRefused() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        for (String bad : new String[]{"/etc/passwd", "../x", "data/../../x", "a\\b"}) {
            assertThatThrownBy(() -> store.put(bad, new byte[1])).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.get(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void injectedFaultsMakeCallsFailWithoutSideEffects() {
        List<String> seen = new ArrayList<>();
        StoreFaults faults = (call, name) -> {
            seen.add(call + " " + name);
            if (name.startsWith("fail")) {
                throw new StoreException("injected " + call + " fault on " + name);
            }
        };
        LocalDirectoryStore store = new LocalDirectoryStore(dir, faults);
        assertThatThrownBy(() -> store.put("fail/x", new byte[1])).isInstanceOf(StoreException.class).hasMessage("injected PUT fault on fail/x");
        assertThat(Files.exists(dir.resolve("fail"))).isFalse();
        store.put("ok", new byte[1]);
        assertThatThrownBy(() -> store.get("fail/x")).hasMessage("injected GET fault on fail/x");
        assertThatThrownBy(() -> store.getRange("fail/x", 0, 1)).hasMessage("injected GET fault on fail/x");
        assertThatThrownBy(() -> store.exists("fail/x")).hasMessage("injected HEAD fault on fail/x");
        assertThatThrownBy(() -> store.size("fail/x")).hasMessage("injected HEAD fault on fail/x");
        assertThatThrownBy(() -> store.list("fail/")).hasMessage("injected LIST fault on fail/");
        assertThatThrownBy(() -> store.delete("fail/x")).hasMessage("injected DELETE fault on fail/x");
        assertThat(seen).containsExactly("PUT fail/x", "PUT ok", "GET fail/x", "GET fail/x", "HEAD fail/x", "HEAD fail/x",
                "LIST fail/", "DELETE fail/x");
    }

    @Test
    void failingTheNthPutLeavesTheEarlierObjectsIntact() {
        AtomicInteger puts = new AtomicInteger();
        StoreFaults failThird = (call, name) -> {
            if (call == StoreFaults.Call.PUT && puts.incrementAndGet() == 3) {
                throw new StoreException("injected");
            }
        };
        LocalDirectoryStore store = new LocalDirectoryStore(dir, failThird);
        store.put("a", new byte[]{1});
        store.put("b", new byte[]{2});
        assertThatThrownBy(() -> store.put("c", new byte[]{3})).isInstanceOf(RepositoryException.class);
        store.put("d", new byte[]{4});
        assertThat(store.list("")).containsExactlyInAnyOrder("a", "b", "d");
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
    }

    @Test
    void statsCountRequestsAndBytes() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        store.put("a", new byte[10]);
        store.put("b", new byte[5]);
        store.get("a");
        store.getRange("a", 2, 3);
        store.exists("a");
        store.list("");
        store.delete("b");
        StoreStats.Snapshot s = store.stats().snapshot();
        assertThat(s).isEqualTo(new StoreStats.Snapshot(2, 15, 2, 13, 1, 1, 1));
    }

    /**
     * An appendable object: created durable with its first bytes, listed and read like any object,
     * extended only at its end, and appends from many threads never interleave (each one is read
     * back whole, in some order).
     */
    @Test
    void appendsFromManyThreadsLandWholeAtTheEnd() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        AppendableObject log = store.createAppendable("pg/main/wal-stream/seg.log-1", new byte[]{'H'}).orElseThrow();
        assertThatThrownBy(() -> store.createAppendable("pg/main/wal-stream/seg.log-1", new byte[1]))
                .isInstanceOf(ObjectExistsException.class);
        assertThat(store.list("pg/main/wal-stream/")).containsExactly("pg/main/wal-stream/seg.log-1");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        int appends = 64;
        for (int i = 0; i < appends; i++) {
            int n = i;
            done.add(pool.submit(() -> {
                // 300 KiB is more than one I/O slice: a partial channel write must not let another append in
                byte[] unit = new byte[n % 3 == 0 ? 300 * 1024 : 100 + n];
                java.util.Arrays.fill(unit, (byte) n);
                log.append(unit);
                log.sync();
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        byte[] all = store.get("pg/main/wal-stream/seg.log-1");
        assertThat(all[0]).isEqualTo((byte) 'H');
        assertThat(log.size()).isEqualTo(all.length);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int at = 1; at < all.length; ) {
            int n = all[at];
            int length = n % 3 == 0 ? 300 * 1024 : 100 + n;
            for (int i = 0; i < length; i++) {
                assertThat(all[at + i]).as("byte %d of append %d", i, n).isEqualTo((byte) n);
            }
            assertThat(seen.add(n)).isTrue();
            at += length;
        }
        assertThat(seen).hasSize(appends);
        log.close();
    }

    /**
     * Bytes appended to a file that is no longer the repository's object (its directory moved
     * away, the file removed) are not in the repository: the sync says so instead of succeeding.
     */
    @Test
    void aSyncFailsOnceTheAppendedFileIsNoLongerInTheRepository() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir.resolve("repo"));
        AppendableObject log = store.createAppendable("pg/main/wal-stream/seg.log-1", new byte[]{'H'}).orElseThrow();
        log.append(new byte[]{1});
        log.sync();
        Files.move(dir.resolve("repo"), dir.resolve("repo.away"));
        Files.writeString(dir.resolve("repo"), "not a repository");
        log.append(new byte[]{2});
        assertThatThrownBy(log::sync).isInstanceOf(StoreException.class).hasMessageContaining("pg/main/wal-stream/seg.log-1");
        log.close();

        assertThatThrownBy(() -> store.createAppendable("pg/main/wal-stream/seg.log-2", new byte[]{'H'}))
                .isInstanceOf(StoreException.class).hasMessageContaining("pg/main/wal-stream/seg.log-2");

        LocalDirectoryStore second = new LocalDirectoryStore(dir.resolve("second"));
        AppendableObject removed = second.createAppendable("pg/main/wal-stream/seg.log-3", new byte[]{'H'}).orElseThrow();
        second.delete("pg/main/wal-stream/seg.log-3");
        removed.append(new byte[]{3});
        assertThatThrownBy(removed::sync).isInstanceOf(StoreException.class).hasMessageContaining("was removed while being appended to");
        removed.close();
    }

    @Test
    void aStagedObjectIsInvisibleUntilCommittedAndThenHoldsEveryPieceAtItsPosition() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        Random random = new Random(140);
        for (int round = 0; round < 20; round++) {
            String name = "data/0" + (round % 3) + "/pack" + round;
            byte[] expected = TestBytes.random(random, 1 + random.nextInt(700_000));
            // Pieces of random length, written from 4 threads in a shuffled order.
            List<int[]> pieces = new ArrayList<>();
            for (int at = 0; at < expected.length; ) {
                int length = Math.min(expected.length - at, 1 + random.nextInt(300_000));
                pieces.add(new int[]{at, length});
                at += length;
            }
            java.util.Collections.shuffle(pieces, random);
            StagedObject staged = store.stage(name).orElseThrow();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> writes = new ArrayList<>();
                for (int[] piece : pieces) {
                    writes.add(pool.submit(() -> staged.write(piece[0], expected, piece[0], piece[1])));
                }
                for (Future<?> f : writes) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertThat(store.exists(name)).isFalse();
            assertThat(store.list("data/")).doesNotContain(name);
            staged.commit(expected.length);
            staged.close();
            assertThat(store.get(name)).isEqualTo(expected);
        }
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
        assertThat(store.stats().snapshot().puts()).isEqualTo(20);
    }

    @Test
    void aStagedObjectClosedWithoutCommitLeavesNothing() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        StagedObject staged = store.stage("data/aa/abandoned").orElseThrow();
        staged.write(0, new byte[1000], 0, 1000);
        assertThat(store.leftoverTemporaryFiles()).hasSize(1);
        staged.close();
        staged.close();
        assertThat(store.exists("data/aa/abandoned")).isFalse();
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
        assertThatThrownBy(() -> staged.commit(1000)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void committingAStagedObjectOverAnExistingNameFailsAndKeepsTheOldContent() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        store.put("data/bb/x", new byte[]{1, 2, 3});
        StagedObject staged = store.stage("data/bb/x").orElseThrow();
        staged.write(0, new byte[]{9, 9}, 0, 2);
        assertThatThrownBy(() -> staged.commit(2)).isInstanceOf(ObjectExistsException.class);
        staged.close();
        assertThat(store.get("data/bb/x")).containsExactly(1, 2, 3);
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
    }

    @Test
    void aStagedCommitOfTheWrongLengthOrUnderAnInjectedFaultPublishesNothing() {
        StoreFaults failPuts = (call, name) -> {
            if (call == StoreFaults.Call.PUT) {
                throw new StoreException("injected fault on " + name);
            }
        };
        LocalDirectoryStore faulty = new LocalDirectoryStore(dir, failPuts);
        StagedObject staged = faulty.stage("data/cc/y").orElseThrow();
        staged.write(0, new byte[10], 0, 10);
        assertThatThrownBy(() -> staged.commit(10)).hasMessageContaining("injected fault on data/cc/y");
        staged.close();

        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        StagedObject shorter = store.stage("data/cc/z").orElseThrow();
        shorter.write(0, new byte[10], 0, 10);
        assertThatThrownBy(() -> shorter.commit(12)).hasMessageContaining("holds 10 bytes, not the 12");
        shorter.close();
        assertThat(store.exists("data/cc/y")).isFalse();
        assertThat(store.exists("data/cc/z")).isFalse();
        assertThat(store.leftoverTemporaryFiles()).isEmpty();
    }
}
