package dr.summit.repository.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkerTest {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    private static final ChunkerParams SMALL = new ChunkerParams(64 * KIB, 128 * KIB, 512 * KIB);

    /** One shared block of random data, so the large-input tests do not each pay for generating it. */
    private static final class SharedData {
        static final byte[] RANDOM_64_MIB = randomBytes(new Random(64), 64 * MIB);
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        return data;
    }

    private static byte[] key(long seed) {
        return randomBytes(new Random(seed), GearTable.KEY_LENGTH);
    }

    private static Chunker chunker(ChunkerParams params, long keySeed) {
        return new Chunker(params, GearTable.derive(key(keySeed)));
    }

    private static ChunkerParams randomParams(Random random) {
        int min = 64 * KIB + random.nextInt(192 * KIB);
        int avg = Integer.highestOneBit(min) << (1 + random.nextInt(3));
        int max = avg + 1 + random.nextInt(3 * avg);
        return new ChunkerParams(min, avg, max);
    }

    /**
     * Random data, sometimes with long constant or repeated runs so that maxSize cuts and low-entropy content
     * get exercised too.
     */
    private static byte[] testData(Random random, int length) {
        byte[] data = randomBytes(random, length);
        if (random.nextBoolean() && length > 0) {
            for (int runs = random.nextInt(4); runs > 0; runs--) {
                int from = random.nextInt(length);
                int to = Math.min(length, from + random.nextInt(2 * MIB));
                Arrays.fill(data, from, to, (byte) random.nextInt(256));
            }
        }
        return data;
    }

    private static int testLength(Random random, ChunkerParams p) {
        int[] edges = {0, 1, 63, 64, p.minSize() - 1, p.minSize(), p.minSize() + 1, p.avgSize(),
            p.maxSize() - 1, p.maxSize(), p.maxSize() + 1, 2 * p.maxSize(), 2 * p.maxSize() + 1,
            3 * p.maxSize() - 1};
        return random.nextInt(3) == 0 ? edges[random.nextInt(edges.length)] : random.nextInt(4 * p.maxSize());
    }

    /** Chunk lengths through the public stream API, checking positions and content on the way. */
    private static List<Integer> streamLengths(Chunker chunker, InputStream in, byte[] expected) throws IOException {
        ChunkStream stream = new ChunkStream(in, chunker);
        List<Integer> lengths = new ArrayList<>();
        long position = 0;
        while (stream.next()) {
            assertThat(stream.position()).isEqualTo(position);
            assertThat(stream.length()).isPositive();
            assertThat(Arrays.equals(stream.buffer(), stream.offset(), stream.offset() + stream.length(),
                    expected, (int) position, (int) position + stream.length()))
                    .as("chunk content at %d", position).isTrue();
            lengths.add(stream.length());
            position += stream.length();
        }
        assertThat(position).as("chunks cover the input").isEqualTo(expected.length);
        assertThat(stream.next()).as("stays at end").isFalse();
        assertThat(stream.length()).isZero();
        return lengths;
    }

    private static List<Integer> streamLengths(Chunker chunker, byte[] data) throws IOException {
        return streamLengths(chunker, new ByteArrayInputStream(data), data);
    }

    /** Cut positions (chunk end offsets, excluding the end of input) of data. */
    private static List<Long> cuts(Chunker chunker, byte[] data, int length) throws IOException {
        ChunkStream stream = new ChunkStream(new ByteArrayInputStream(data, 0, length), chunker);
        List<Long> cuts = new ArrayList<>();
        while (stream.next()) {
            long end = stream.position() + stream.length();
            if (end < length) {
                cuts.add(end);
            }
        }
        return cuts;
    }

    /** Chunk lengths by driving findBoundary directly over one array. */
    private static List<Integer> directLengths(Chunker chunker, byte[] data) {
        List<Integer> lengths = new ArrayList<>();
        int off = 0;
        while (off < data.length) {
            int n = chunker.findBoundary(data, off, data.length - off);
            lengths.add(n < 0 ? data.length - off : n);
            off += lengths.get(lengths.size() - 1);
        }
        return lengths;
    }

    /**
     * The cut rule as the Chunker class comment states it, hashing every byte from the chunk start; an oracle for
     * the optimized loop that skips to minSize - 64.
     */
    private static int specBoundary(GearTable gear, ChunkerParams p, byte[] buf, int off, int len) {
        int bits = Integer.numberOfTrailingZeros(p.avgSize());
        long strict = -1L << (64 - (bits + 2));
        long loose = -1L << (64 - (bits - 2));
        long h = 0;
        for (int n = 1; n <= Math.min(len, p.maxSize()); n++) {
            h = (h << 1) + gear.value(buf[off + n - 1] & 0xff);
            if (n >= p.minSize() && (h & (n <= p.avgSize() ? strict : loose)) == 0) {
                return n;
            }
            if (n == p.maxSize()) {
                return n;
            }
        }
        return -1;
    }

    /** Hands out the data in random, often tiny, pieces, as sockets and pipes do. */
    private static final class ShortReadStream extends InputStream {
        private final byte[] data;
        private final Random random;
        private int pos;

        ShortReadStream(byte[] data, Random random) {
            this.data = data;
            this.random = random;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= data.length) {
                return -1;
            }
            int bound = random.nextInt(4) == 0 ? 16 : 200_000;
            int n = Math.min(Math.min(len, data.length - pos), 1 + random.nextInt(bound));
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    @Test
    void chunksCoverInputWithinSizeLimitsWhateverTheReadPattern() throws IOException {
        Random random = new Random(1001);
        for (int c = 0; c < 40; c++) {
            ChunkerParams params = c % 2 == 0 ? SMALL : randomParams(random);
            Chunker chunker = chunker(params, random.nextLong());
            byte[] data = testData(random, testLength(random, params));

            List<Integer> lengths = streamLengths(chunker, data);

            for (int i = 0; i < lengths.size() - 1; i++) {
                assertThat(lengths.get(i)).as("case %d chunk %d", c, i)
                        .isBetween(params.minSize(), params.maxSize());
            }
            if (!lengths.isEmpty()) {
                assertThat(lengths.get(lengths.size() - 1)).isBetween(1, params.maxSize());
            }
            assertThat(streamLengths(chunker, new ShortReadStream(data, random), data))
                    .as("case %d, short reads", c).isEqualTo(lengths);
            assertThat(directLengths(chunker, data)).as("case %d, findBoundary", c).isEqualTo(lengths);
        }
    }

    @Test
    void skippingToMinSizeFindsExactlyTheCutsOfAFullScan() {
        Random random = new Random(1002);
        for (int c = 0; c < 30; c++) {
            ChunkerParams params = randomParams(random);
            GearTable gear = GearTable.derive(key(random.nextLong()));
            Chunker chunker = new Chunker(params, gear);
            int off = random.nextInt(1000);
            byte[] data = testData(random, off + testLength(random, params));
            int len = data.length - off;

            assertThat(chunker.findBoundary(data, off, len)).as("case %d", c)
                    .isEqualTo(specBoundary(gear, params, data, off, len));
        }
    }

    @Test
    void aCutFoundInAPrefixIsTheCutFoundWithMoreData() {
        Random random = new Random(1003);
        for (int c = 0; c < 20; c++) {
            ChunkerParams params = randomParams(random);
            Chunker chunker = chunker(params, random.nextLong());
            int off = random.nextInt(100);
            byte[] data = testData(random, off + params.maxSize() + random.nextInt(1000));
            int full = chunker.findBoundary(data, off, data.length - off);
            assertThat(full).isBetween(params.minSize(), params.maxSize());

            for (int probe = 0; probe < 50; probe++) {
                int len = probe == 0 ? full : probe == 1 ? full - 1 : random.nextInt(data.length - off + 1);
                int expected = len >= full ? full : -1;
                assertThat(chunker.findBoundary(data, off, len)).as("case %d len %d", c, len).isEqualTo(expected);
            }
        }
    }

    @Test
    void sameKeyAndDataGiveSameBoundaries() throws IOException {
        byte[] data = Arrays.copyOf(SharedData.RANDOM_64_MIB, 8 * MIB);
        for (ChunkerParams params : List.of(SMALL, ChunkerParams.DEFAULT)) {
            byte[] key = key(7);
            Chunker first = new Chunker(params, GearTable.derive(key));
            Chunker second = new Chunker(params, GearTable.derive(key.clone()));
            assertThat(cuts(second, data, data.length)).isEqualTo(cuts(first, data, data.length)).isNotEmpty();
        }
    }

    @Test
    void differentKeysGiveDifferentBoundaries() throws IOException {
        byte[] data = Arrays.copyOf(SharedData.RANDOM_64_MIB, 8 * MIB);
        for (ChunkerParams params : List.of(SMALL, ChunkerParams.DEFAULT)) {
            List<Long> a = cuts(chunker(params, 1), data, data.length);
            List<Long> b = cuts(chunker(params, 2), data, data.length);
            Set<Long> common = new HashSet<>(a);
            common.retainAll(b);
            assertThat(b).isNotEqualTo(a);
            // Independent hashes: a shared cut needs two unrelated hashes to hit the same byte.
            assertThat(common.size()).as("cuts shared out of %d", a.size()).isLessThanOrEqualTo(a.size() / 10);
        }
    }

    @Test
    void boundariesResynchroniseAfterInsertOrDelete() throws IOException {
        Random random = new Random(1004);
        Chunker chunker = chunker(SMALL, 3);
        for (int c = 0; c < 6; c++) {
            int length = 16 * MIB + random.nextInt(16 * MIB);
            byte[] original = Arrays.copyOf(SharedData.RANDOM_64_MIB, length);
            int at = random.nextInt(length - 64);
            int editLength = 1 + random.nextInt(16);
            boolean insert = c % 2 == 0;
            byte[] edited = insert ? insert(original, at, randomBytes(random, editLength))
                    : delete(original, at, editLength);
            int shift = insert ? editLength : -editLength;

            List<Long> before = cuts(chunker, original, original.length);
            List<Long> after = cuts(chunker, edited, edited.length);

            // Cuts up to the edit cannot see it; cuts a max size past it see only shifted data again.
            long settled = (long) at + editLength + SMALL.maxSize();
            assertThat(cutsUpTo(after, at)).as("case %d", c).isEqualTo(cutsUpTo(before, at));
            assertThat(cutsFrom(after, settled + Math.max(shift, 0), 0))
                    .as("case %d: edit of %d at %d", c, shift, at)
                    .isEqualTo(cutsFrom(before, settled, shift));

            double shared = sharedChunks(before, after, original.length, edited.length, shift);
            assertThat(shared).as("case %d shared fraction of %d chunks", c, before.size() + 1)
                    .isGreaterThanOrEqualTo(0.95);
        }
    }

    private static byte[] insert(byte[] data, int at, byte[] inserted) {
        byte[] result = new byte[data.length + inserted.length];
        System.arraycopy(data, 0, result, 0, at);
        System.arraycopy(inserted, 0, result, at, inserted.length);
        System.arraycopy(data, at, result, at + inserted.length, data.length - at);
        return result;
    }

    private static byte[] delete(byte[] data, int at, int count) {
        byte[] result = new byte[data.length - count];
        System.arraycopy(data, 0, result, 0, at);
        System.arraycopy(data, at + count, result, at, data.length - at - count);
        return result;
    }

    private static List<Long> cutsUpTo(List<Long> cuts, long limit) {
        return cuts.stream().filter(cut -> cut <= limit).toList();
    }

    private static List<Long> cutsFrom(List<Long> cuts, long from, long shift) {
        return cuts.stream().filter(cut -> cut >= from).map(cut -> cut + shift).toList();
    }

    /** Fraction of the original chunks, as (start, end) ranges, that reappear in the edited data. */
    private static double sharedChunks(List<Long> before, List<Long> after, long beforeEnd, long afterEnd,
            long shift) {
        Set<String> afterChunks = new HashSet<>();
        long start = 0;
        for (long end : withEnd(after, afterEnd)) {
            afterChunks.add(start + ":" + end);
            start = end;
        }
        int total = 0;
        int shared = 0;
        start = 0;
        for (long end : withEnd(before, beforeEnd)) {
            total++;
            boolean same = afterChunks.contains(start + ":" + end)
                    || afterChunks.contains((start + shift) + ":" + (end + shift));
            shared += same ? 1 : 0;
            start = end;
        }
        return (double) shared / total;
    }

    private static List<Long> withEnd(List<Long> cuts, long end) {
        List<Long> all = new ArrayList<>(cuts);
        all.add(end);
        return all;
    }

    @Test
    void averageChunkSizeIsNearAvgSize() throws IOException {
        byte[] data = SharedData.RANDOM_64_MIB;
        for (ChunkerParams params : List.of(SMALL, ChunkerParams.DEFAULT)) {
            List<Long> cuts = cuts(chunker(params, 4), data, data.length);
            double mean = (double) cuts.get(cuts.size() - 1) / cuts.size();
            assertThat(mean).as("mean chunk size for %s over %d chunks", params, cuts.size())
                    .isBetween(0.75 * params.avgSize(), 1.25 * params.avgSize());
        }
    }

    @Test
    void constantInputIsCutAtMaxSize() throws IOException {
        // A constant input makes the hash constant after 64 bytes; with these keys it never meets a mask, which
        // is the overwhelmingly likely case (the loose mask matches with probability 2^-15 per key).
        for (ChunkerParams params : List.of(SMALL, ChunkerParams.DEFAULT)) {
            byte[] zeros = new byte[2 * params.maxSize() + 12345];
            List<Integer> lengths = streamLengths(chunker(params, 5), zeros);
            assertThat(lengths).containsExactly(params.maxSize(), params.maxSize(), 12345);
        }
    }

    @Test
    void emptyInputYieldsNoChunks() throws IOException {
        ChunkStream stream = new ChunkStream(InputStream.nullInputStream(), chunker(SMALL, 6));
        assertThat(stream.next()).isFalse();
        assertThat(stream.next()).isFalse();
        assertThat(stream.length()).isZero();
        assertThat(stream.position()).isZero();
    }

    @Test
    void inputShorterThanMinSizeIsOneChunk() throws IOException {
        byte[] data = randomBytes(new Random(1005), SMALL.minSize() - 1);
        assertThat(streamLengths(chunker(SMALL, 7), data)).containsExactly(data.length);
        assertThat(chunker(SMALL, 7).findBoundary(data, 0, data.length)).isEqualTo(-1);
    }

    @Test
    void findBoundaryRejectsRangesOutsideTheBuffer() {
        Chunker chunker = chunker(SMALL, 8);
        byte[] buf = new byte[100];
        assertThatThrownBy(() -> chunker.findBoundary(buf, -1, 10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> chunker.findBoundary(buf, 0, 101)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> chunker.findBoundary(buf, 95, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> chunker.findBoundary(buf, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
