package dr.summit.bench;

import dr.summit.repository.blob.BlobHasher;
import dr.summit.repository.blob.BlobType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;


/** Blob ids (keyed HMAC-SHA256 over type and plaintext) of every chunk of the input. */
public class HashBenchmark extends OneCoreSettings {
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
