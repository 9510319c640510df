package dr.summit.repository.index;

import static dr.summit.repository.index.IndexTestData.describe;
import static dr.summit.repository.index.IndexTestData.randomEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.TestBytes;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.format.ByteWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IndexFileCodecTest {

    /** Decodes a file back into entries through its public shape: pack table plus file-layout records. */
    private static List<String> entriesOf(IndexFileCodec.Decoded d) {
        List<String> out = new ArrayList<>();
        byte[] r = d.records();
        for (int i = 0; i < d.count(); i++) {
            int at = i * IndexFileCodec.FILE_ENTRY_BYTES;
            int pack = (int) IndexFileCodec.readU32(r, at + 33);
            out.add(describe(new IndexEntry(BlobId.of(r, at), BlobType.ofCode(r[at + 32], "t"), d.packIds().get(pack),
                    d.epochs()[pack], (int) IndexFileCodec.readU32(r, at + 37), (int) IndexFileCodec.readU32(r, at + 41))));
        }
        return out;
    }

    @Test
    void randomEntriesRoundTripSortedById() {
        Random random = new Random(70);
        for (int i = 0; i < 300; i++) {
            List<IndexEntry> entries = randomEntries(random, i % 30 == 0 ? 0 : random.nextInt(300), 1 + random.nextInt(6));
            byte[] bytes = IndexFileCodec.encode(entries);
            IndexFileCodec.Decoded d = IndexFileCodec.decode(bytes, "index/x");

            List<IndexEntry> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.comparing(IndexEntry::id));
            assertThat(d.count()).isEqualTo(entries.size());
            assertThat(entriesOf(d)).containsExactlyElementsOf(sorted.stream().map(IndexTestData::describe).toList());
            long distinctPacks = entries.stream().map(e -> java.util.Arrays.toString(e.packId())).distinct().count();
            assertThat(d.packIds()).hasSize((int) distinctPacks);
        }
    }

    @Test
    void theSameBlobInTwoPacksIsKept() {
        Random random = new Random(71);
        List<IndexEntry> entries = randomEntries(random, 2, 2);
        IndexEntry a = entries.get(0);
        IndexEntry twin = new IndexEntry(a.id(), a.type(), TestBytes.random(random, 32), 3, 0, 100);
        IndexFileCodec.Decoded d = IndexFileCodec.decode(IndexFileCodec.encode(List.of(a, twin, entries.get(1))), "i");
        assertThat(d.count()).isEqualTo(3);
        assertThat(entriesOf(d)).contains(describe(a), describe(twin));
    }

    @Test
    void everyTruncationIsCorrupt() {
        Random random = new Random(72);
        byte[] bytes = IndexFileCodec.encode(randomEntries(random, 5, 2));
        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = TestBytes.truncate(bytes, length);
            assertThatThrownBy(() -> IndexFileCodec.decode(cut, "index/abc"))
                    .as("truncated to %d", length)
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageStartingWith("index/abc: ");
        }
    }

    @Test
    void randomBitFlipsNeverEscapeAsAnythingButCorruptObjectException() {
        Random random = new Random(73);
        for (int i = 0; i < 3_000; i++) {
            byte[] bytes = IndexFileCodec.encode(randomEntries(random, 1 + random.nextInt(20), 1 + random.nextInt(3)));
            byte[] damaged = TestBytes.flipBit(bytes, random.nextInt(bytes.length * 8));
            try {
                IndexFileCodec.decode(damaged, "i");
            } catch (CorruptObjectException expected) {
                // fine: index payloads are authenticated by their sealed object; decode only must not crash
            }
        }
    }

    private static byte[] handMade(int version, int packs, int[][] records) {
        ByteWriter w = new ByteWriter(64).bytes(new byte[]{'S', 'D', 'R', 'I'}).u8(version).u32(packs);
        for (int p = 0; p < packs; p++) {
            w.bytes(new byte[32]).u32(1);
        }
        w.u32(records.length);
        for (int[] r : records) {
            byte[] id = new byte[32];
            id[0] = (byte) r[0];
            w.bytes(id).u8(r[1]).u32(r[2]).u32(0).u32(16);
        }
        return w.toByteArray();
    }

    @Test
    void wellFormedHandMadeIndexIsAccepted() {
        assertThat(IndexFileCodec.decode(handMade(1, 2, new int[][]{{1, 1, 0}, {2, 2, 1}, {2, 1, 1}}), "i").count()).isEqualTo(3);
    }

    @Test
    void unsortedEntriesAreRejected() {
        assertThatThrownBy(() -> IndexFileCodec.decode(handMade(1, 1, new int[][]{{1, 1, 0}, {3, 1, 0}, {2, 1, 0}}), "index/u"))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessage("index/u: entries are not sorted at entry 2");
    }

    @Test
    void entryNamingAMissingPackIsRejected() {
        assertThatThrownBy(() -> IndexFileCodec.decode(handMade(1, 2, new int[][]{{1, 1, 2}}), "i"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("names pack 2 of 2");
    }

    @Test
    void unknownBlobTypeIsRejected() {
        assertThatThrownBy(() -> IndexFileCodec.decode(handMade(1, 1, new int[][]{{1, 7, 0}}), "i"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unknown blob type 7");
    }

    @Test
    void foreignOrFutureIndexesAreRejected() {
        byte[] bad = handMade(1, 1, new int[][]{{1, 1, 0}});
        bad[0] = 'X';
        assertThatThrownBy(() -> IndexFileCodec.decode(bad, "i"))
                .isInstanceOf(CorruptObjectException.class).hasMessage("i: not an index (bad magic)");
        assertThatThrownBy(() -> IndexFileCodec.decode(handMade(2, 1, new int[][]{}), "i"))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("unsupported index version 2");
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] ok = handMade(1, 1, new int[][]{{1, 1, 0}});
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> IndexFileCodec.decode(longer, "i")).isInstanceOf(CorruptObjectException.class);
    }
}
