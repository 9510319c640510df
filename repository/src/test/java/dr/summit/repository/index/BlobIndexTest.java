package dr.summit.repository.index;

import static dr.summit.repository.index.IndexTestData.describe;
import static dr.summit.repository.index.IndexTestData.randomEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.repository.TestBytes;
import dr.summit.repository.blob.BlobId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BlobIndexTest {

    private static void assertFindsAll(BlobIndex index, List<IndexEntry> entries) {
        for (IndexEntry e : entries) {
            BlobLocation l = index.find(e.id());
            assertThat(l).as("entry %s", e.id()).isNotNull();
            assertThat(describe(e, l)).isEqualTo(describe(e));
            assertThat(index.contains(e.id())).isTrue();
        }
    }

    @Test
    void findsEveryEntryAddedAcrossManyRunsAndMerges() {
        Random random = new Random(80);
        BlobIndex index = new BlobIndex();
        List<IndexEntry> all = new ArrayList<>();
        for (int run = 0; run < 30; run++) {
            List<IndexEntry> batch = randomEntries(random, run % 7 == 0 ? 1 : random.nextInt(400), 1 + random.nextInt(4));
            if (run % 3 == 0) {
                index.addIndexFile(IndexFileCodec.decode(IndexFileCodec.encode(batch), "index/" + run));
            } else {
                index.add(batch);
            }
            all.addAll(batch);

            assertFindsAll(index, all);
            assertThat(index.size()).isEqualTo(all.size());
            assertThat(index.recordBytes()).isEqualTo((long) all.size() * BlobIndex.RECORD_BYTES);
        }
        for (int i = 0; i < 2_000; i++) {
            BlobId absent = TestBytes.randomId(random);
            assertThat(index.find(absent)).isNull();
            assertThat(index.contains(absent)).isFalse();
        }
    }

    @Test
    void doesNotFindIdsThatDifferOnlyInTheLastBit() {
        Random random = new Random(81);
        BlobIndex index = new BlobIndex();
        List<IndexEntry> entries = randomEntries(random, 500, 3);
        index.add(entries);
        for (IndexEntry e : entries) {
            BlobId neighbour = BlobId.of(TestBytes.flipBit(e.id().bytes(), 255));
            assertThat(index.contains(neighbour)).isFalse();
        }
    }

    @Test
    void emptyIndexFindsNothing() {
        BlobIndex index = new BlobIndex();
        index.add(List.of());
        assertThat(index.find(TestBytes.randomId(new Random(82)))).isNull();
        assertThat(index.size()).isZero();
        assertThat(index.packCount()).isZero();
    }

    @Test
    void forEachVisitsEveryRecord() {
        Random random = new Random(83);
        BlobIndex index = new BlobIndex();
        Set<String> expected = new HashSet<>();
        for (int run = 0; run < 12; run++) {
            List<IndexEntry> batch = randomEntries(random, 50, 2);
            index.add(batch);
            batch.forEach(e -> expected.add(describe(e)));
        }
        Set<String> seen = new HashSet<>();
        index.forEach(e -> seen.add(describe(e)));
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void packsAreRegisteredOnceWithTheirEpoch() {
        Random random = new Random(84);
        BlobIndex index = new BlobIndex();
        List<IndexEntry> a = randomEntries(random, 100, 3);
        index.add(a);
        index.add(a.subList(0, 10).stream()
                .map(e -> new IndexEntry(TestBytes.randomId(random), e.type(), e.packId(), e.epoch(), 1, 17)).toList());
        long distinct = a.stream().map(e -> java.util.Arrays.toString(e.packId())).distinct().count();
        assertThat(index.packCount()).isEqualTo((int) distinct);
        for (IndexEntry e : a) {
            assertThat(index.containsPack(e.packId())).isTrue();
        }
        assertThat(index.containsPack(new byte[32])).isFalse();
    }

    @Test
    void aBlobStoredInTwoPacksIsFoundInEither() {
        Random random = new Random(85);
        BlobIndex index = new BlobIndex();
        IndexEntry first = randomEntries(random, 1, 1).get(0);
        IndexEntry second = new IndexEntry(first.id(), first.type(), TestBytes.random(random, 32), 2, 5, 50);
        index.add(List.of(first));
        index.add(List.of(second));
        for (int run = 0; run < 10; run++) {
            index.add(randomEntries(random, 10, 1)); // forces a merge
        }
        BlobLocation l = index.find(first.id());
        assertThat(describe(first, l)).isIn(describe(first), describe(second));
        assertThat(index.size()).isEqualTo(102);
    }

    @Test
    void concurrentAddsAndLookupsSeeEveryEntry() throws Exception {
        Random random = new Random(86);
        BlobIndex index = new BlobIndex();
        List<List<IndexEntry>> batches = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batches.add(randomEntries(random, 100, 2));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = thread; i < batches.size(); i += 4) {
                        index.add(batches.get(i));
                        assertFindsAll(index, batches.get(i));
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertFindsAll(index, batches.stream().flatMap(List::stream).toList());
        assertThat(index.size()).isEqualTo(4_000);
    }

    @Test
    void idsAtTheEdgesOfThePrefixTableAndLargestLocationsRoundTrip() {
        Random random = new Random(87);
        BlobIndex index = new BlobIndex();
        List<IndexEntry> entries = new ArrayList<>();
        byte[] pack = TestBytes.random(random, 32);
        for (int prefix : new int[]{0x0000, 0x0001, 0x00FF, 0x0100, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF}) {
            for (int k = 0; k < 3; k++) {
                byte[] id = TestBytes.random(random, 32);
                id[0] = (byte) (prefix >>> 8);
                id[1] = (byte) prefix;
                entries.add(new IndexEntry(BlobId.of(id), dr.summit.repository.blob.BlobType.values()[k], pack, 7,
                        (int) BlobIndex.MAX_OFFSET - k, (int) BlobIndex.MAX_LENGTH - k));
            }
        }
        index.add(entries.subList(0, 12));
        index.addIndexFile(IndexFileCodec.decode(IndexFileCodec.encode(entries.subList(12, 24)), "index/edge"));
        assertFindsAll(index, entries);
        Set<String> seen = new HashSet<>();
        index.forEach(e -> seen.add(describe(e)));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(entries.stream().map(IndexTestData::describe).toList());
    }

    @Test
    void aLocationBeyondTheRecordIsRefusedNotTruncated() {
        Random random = new Random(88);
        IndexEntry e = randomEntries(random, 1, 1).get(0);
        BlobIndex index = new BlobIndex();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.add(List.of(
                new IndexEntry(e.id(), e.type(), e.packId(), 1, (int) BlobIndex.MAX_OFFSET + 1, 10))))
                .hasMessageContaining("beyond what the index holds");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.add(List.of(
                new IndexEntry(e.id(), e.type(), e.packId(), 1, 0, (int) BlobIndex.MAX_LENGTH + 1))))
                .hasMessageContaining("beyond what the index holds");
        assertThat(index.size()).isZero();
    }

    @Test
    void runsStayLogarithmicInTheNumberOfBatches() {
        Random random = new Random(89);
        BlobIndex index = new BlobIndex();
        List<IndexEntry> all = new ArrayList<>();
        for (int batch = 0; batch < 400; batch++) {
            List<IndexEntry> entries = randomEntries(random, 1 + random.nextInt(60), 3);
            index.add(entries);
            all.addAll(entries);
            int bound = 2 + (int) Math.ceil(Math.log(all.size()) / Math.log(2));
            assertThat(index.runCount()).isLessThanOrEqualTo(bound);
        }
        assertFindsAll(index, all);
        assertThat(index.size()).isEqualTo(all.size());
        assertThat(index.packCount()).isEqualTo((int) all.stream().map(e -> java.util.Arrays.toString(e.packId())).distinct().count());
    }
}
