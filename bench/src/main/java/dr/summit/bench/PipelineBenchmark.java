package dr.summit.bench;

import dr.summit.repository.blob.BlobHasher;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.PayloadCodec;
import dr.summit.repository.chunker.ChunkStream;
import dr.summit.repository.pack.PackBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * What one backup worker does per chunk, on one thread (repository/BlobSaver.save): chunk →
 * blob id → compress → reserve a slot in a 16 MiB pack → AES-GCM → fill; a full pack is
 * assembled (PackBuilder.finish: copy plus sealed trailer) and handed to a black hole instead
 * of the store. Not included: reading files, the index lookup (every chunk is new here), the
 * upload and the index.
 */
public class PipelineBenchmark extends OneCoreSettings {
    private static final int PACK_SIZE = 16 << 20;

    @Param({"zstd-3", "lz4"})
    public String codec;

    private PayloadCodec payloads;
    private BlobHasher hasher;
    private byte[] dataKey;
    private byte[] buffer;

    @Setup
    public void setup(Input in) {
        payloads = CompressionBenchmark.codec(codec);
        hasher = new BlobHasher(MixedData.key(2));
        dataKey = MixedData.key(5);
        buffer = new byte[ChunkStream.bufferSize(in.chunker)];
    }

    @Benchmark
    public void backup(Input in, Blackhole bh) throws IOException {
        ChunkStream stream = new ChunkStream(new ByteArrayInputStream(in.data), in.chunker, buffer);
        PackBuilder pack = new PackBuilder(dataKey, 0, PACK_SIZE);
        while (stream.next()) {
            BlobId id = hasher.id(BlobType.DATA, stream.buffer(), stream.offset(), stream.length());
            byte[] payload = payloads.encode(stream.buffer(), stream.offset(), stream.length());
            PackBuilder.Reservation slot = pack.reserve(BlobType.DATA, id, payload.length);
            if (slot == null) {
                pack = new PackBuilder(dataKey, 0, PACK_SIZE);
                slot = pack.reserve(BlobType.DATA, id, payload.length);
            }
            if (pack.fill(slot, slot.encrypt(payload))) {
                bh.consume(pack.finish());
                pack = new PackBuilder(dataKey, 0, PACK_SIZE);
            }
        }
        if (!pack.isEmpty()) {
            pack.close();
            bh.consume(pack.finish());
        }
    }
}
