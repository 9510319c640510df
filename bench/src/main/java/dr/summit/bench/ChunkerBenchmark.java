package dr.summit.bench;

import dr.summit.repository.chunker.ChunkStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Content-defined chunking of the whole input with the default parameters: through
 * {@link ChunkStream} as a backup reads a file (buffer refills and compaction included), and the
 * bare {@code Chunker.findBoundary} loop over an array (the gear hash alone).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-XX:CompileThresholdScaling=0.05"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class ChunkerBenchmark {
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
