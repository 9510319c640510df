package dr.summit.bench;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.pack.PackFormat;
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

/**
 * AES-256-GCM ({@link AesGcm}) over every chunk of the input, with a blob's associated data and a
 * fresh nonce per chunk as in a pack: seal into a reused buffer, and open (authenticate + decrypt).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC", "-XX:CompileThresholdScaling=0.05"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class EncryptionBenchmark {
    private byte[] key;
    private byte[] aad;
    private byte[] out;
    private byte[][] sealed;

    @Setup
    public void setup(Input in) {
        key = MixedData.key(3);
        aad = PackFormat.blobAad(BlobType.DATA, BlobId.of(MixedData.key(4)));
        out = new byte[in.maxChunk + AesGcm.TAG_BYTES];
        sealed = new byte[in.offsets.length][];
        for (int i = 0; i < sealed.length; i++) {
            sealed[i] = new byte[in.lengths[i] + AesGcm.TAG_BYTES];
            AesGcm.seal(key, AesGcm.nonce(i), aad, in.data, in.offsets[i], in.lengths[i], sealed[i], 0);
        }
    }

    @Benchmark
    public int seal(Input in) {
        int sum = 0;
        for (int i = 0; i < in.offsets.length; i++) {
            sum += AesGcm.seal(key, AesGcm.nonce(i), aad, in.data, in.offsets[i], in.lengths[i], out, 0);
        }
        return sum;
    }

    @Benchmark
    public void open(Blackhole bh) {
        for (int i = 0; i < sealed.length; i++) {
            bh.consume(AesGcm.open(key, AesGcm.nonce(i), aad, sealed[i], 0, sealed[i].length, "bench"));
        }
    }
}
