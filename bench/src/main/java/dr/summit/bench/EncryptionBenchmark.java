package dr.summit.bench;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.pack.PackFormat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;


/**
 * AES-256-GCM ({@link AesGcm}) over every chunk of the input, with a blob's associated data and a
 * fresh nonce per chunk as in a pack: seal into a reused buffer, and open (authenticate + decrypt).
 */
public class EncryptionBenchmark extends OneCoreSettings {
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
