package dr.summit.bench;

import dr.summit.repository.blob.BlobHasher;
import dr.summit.repository.blob.BlobType;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/** Blob ids (keyed HMAC-SHA256 over type and plaintext) of every chunk of the input. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-XX:CompileThresholdScaling=0.05"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class HashBenchmark {
    private BlobHasher hasher;

    @Setup
    public void setup() {
        hasher = new BlobHasher(MixedData.key(2));
    }

    @Benchmark
    public void blobId(Input in, Blackhole bh) {
        for (int i = 0; i < in.offsets.length; i++) {
            bh.consume(hasher.id(BlobType.DATA, in.data, in.offsets[i], in.lengths[i]));
        }
    }
}
