package dr.summit.bench;

import dr.summit.repository.blob.Compression;
import dr.summit.repository.blob.PayloadCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;


/**
 * {@link PayloadCodec} over every chunk of the input: encode (compress, or store raw what does
 * not shrink by 1/32, as a backup does) and decode (as a restore does). MB/s are of plaintext.
 */
public class CompressionBenchmark extends OneCoreSettings {
    /** zstd-3 (the repository default) or lz4 (init --compression lz4). */
    @Param({"zstd-3", "lz4"})
    public String codec;

    private PayloadCodec payloads;
    private byte[][] encoded;

    static PayloadCodec codec(String name) {
        switch (name) {
            case "zstd-3": return new PayloadCodec(Compression.ZSTD, 3);
            case "zstd-1": return new PayloadCodec(Compression.ZSTD, 1);
            case "lz4": return new PayloadCodec(Compression.LZ4, 0);
            case "none": return new PayloadCodec(Compression.NONE, 0);
            default: throw new IllegalArgumentException("unknown codec " + name);
        }
    }

    @Setup
    public void setup(Input in) {
        payloads = codec(codec);
        encoded = new byte[in.offsets.length][];
        long stored = 0;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = payloads.encode(in.data, in.offsets[i], in.lengths[i]);
            stored += encoded[i].length;
        }
        System.out.printf("%n%s: %d chunks, payload %.1f%% of the input%n", codec, encoded.length,
                100.0 * stored / in.bytes());
    }

    @Benchmark
    public void encode(Input in, Blackhole bh) {
        for (int i = 0; i < in.offsets.length; i++) {
            bh.consume(payloads.encode(in.data, in.offsets[i], in.lengths[i]));
        }
    }

    @Benchmark
    public void decode(Blackhole bh) {
        for (byte[] payload : encoded) {
            bh.consume(payloads.decode(payload, "bench"));
        }
    }
}
