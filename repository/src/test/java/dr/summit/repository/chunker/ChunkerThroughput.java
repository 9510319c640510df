package dr.summit.repository.chunker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Manual benchmark, not a test (surefire ignores it by name): single-thread chunking throughput over random data.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes dr.summit.repository.chunker.ChunkerThroughput
 * [MiB of data, default 1024] [measured rounds, default 5]}; needs a heap a little larger than the data.
 */
public final class ChunkerThroughput {

    private ChunkerThroughput() {
    }

    public static void main(String[] args) throws IOException {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] data = new byte[mib * 1024 * 1024];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < data.length; i += Long.BYTES) {
            long v = random.nextLong();
            for (int j = 0; j < Long.BYTES; j++) {
                data[i + j] = (byte) (v >>> (8 * j));
            }
        }
        byte[] key = new byte[GearTable.KEY_LENGTH];
        random.nextBytes(key);
        Chunker chunker = new Chunker(ChunkerParams.DEFAULT, GearTable.derive(key));

        for (int round = -2; round < rounds; round++) {
            String label = round < 0 ? "warm-up" : "round " + round;
            long t0 = System.nanoTime();
            int chunks = chunkArray(chunker, data);
            report(label + " findBoundary", data.length, chunks, System.nanoTime() - t0);

            t0 = System.nanoTime();
            chunks = chunkStream(chunker, data);
            report(label + " ChunkStream ", data.length, chunks, System.nanoTime() - t0);
        }
    }

    private static int chunkArray(Chunker chunker, byte[] data) {
        int chunks = 0;
        for (int off = 0; off < data.length; chunks++) {
            int n = chunker.findBoundary(data, off, data.length - off);
            off += n < 0 ? data.length - off : n;
        }
        return chunks;
    }

    private static int chunkStream(Chunker chunker, byte[] data) throws IOException {
        ChunkStream stream = new ChunkStream(new ByteArrayInputStream(data), chunker);
        int chunks = 0;
        while (stream.next()) {
            chunks++;
        }
        return chunks;
    }

    private static void report(String label, long bytes, int chunks, long nanos) {
        System.out.printf("%s: %d chunks, mean %.0f KiB, %.0f MB/s (%.0f MiB/s)%n", label, chunks,
                bytes / 1024.0 / chunks, bytes * 1e3 / nanos, bytes * 1e9 / nanos / (1024 * 1024));
    }
}
