package dr.summit.repository.index;

import dr.summit.repository.TestBytes;
import dr.summit.repository.blob.BlobType;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Random index entries spread over a few random packs. */
final class IndexTestData {
    private IndexTestData() {
    }

    static List<IndexEntry> randomEntries(Random random, int count, int packs) {
        List<byte[]> packIds = new ArrayList<>();
        List<Integer> epochs = new ArrayList<>();
        for (int p = 0; p < Math.max(1, packs); p++) {
            packIds.add(TestBytes.random(random, 32));
            epochs.add(1 + random.nextInt(4));
        }
        List<IndexEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int p = random.nextInt(packIds.size());
            entries.add(new IndexEntry(TestBytes.randomId(random), random.nextBoolean() ? BlobType.DATA : BlobType.TREE,
                    packIds.get(p), epochs.get(p), random.nextInt((int) BlobIndex.MAX_OFFSET + 1), random.nextInt((int) BlobIndex.MAX_LENGTH + 1)));
        }
        return entries;
    }

    /** A comparable rendering of an entry (IndexEntry holds a byte[], so its equals is by identity). */
    static String describe(IndexEntry e) {
        return e.id().hex() + " " + e.type() + " " + HexFormat.of().formatHex(e.packId()) + " " + e.epoch() + " "
                + e.offset() + " " + e.length();
    }

    static String describe(IndexEntry e, BlobLocation l) {
        return e.id().hex() + " " + l.type() + " " + l.packHex() + " " + l.epoch() + " " + l.offset() + " " + l.length();
    }
}
