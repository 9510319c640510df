package dr.summit.bench;

import dr.summit.repository.chunker.ChunkStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Content-defined chunking of the whole input with the default parameters: through
 * {@link ChunkStream} as a backup reads a file (buffer refills and compaction included), and the
 * bare {@code Chunker.findBoundary} loop over an array (the gear hash alone).
 */
public class ChunkerBenchmark extends OneCoreSettings {
    private byte[] buffer;

    @Setup
    public void setup(Input in) {
        buffer = new byte[ChunkStream.bufferSize(in.chunker)];
    }

    @Benchmark
    public long chunkStream(Input in) throws IOException {
        ChunkStream stream = new ChunkStream(new ByteArrayInputStream(in.data), in.chunker, buffer);
        long sum = 0;
        while (stream.next()) {
            sum += stream.length();
        }
        return sum;
    }

    @Benchmark
    public long findBoundary(Input in) {
        byte[] data = in.data;
        long count = 0;
        int off = 0;
        while (off < data.length) {
            int n = in.chunker.findBoundary(data, off, data.length - off);
            off += n < 0 ? data.length - off : n;
            count++;
        }
        return count;
    }
}
