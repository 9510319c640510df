package dr.summit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.repository.blob.PayloadCodec;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.io.TempDir;

/**
 * Calls every benchmark method once, directly (no JMH, no timing), on 8 MiB: a change in the
 * repository API or behaviour that breaks a benchmark fails the build instead of bench/jmh.sh.
 */
class BenchmarksRunOnceTest {
    private static final Blackhole BH = new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

    private static Input input() throws Exception {
        Input in = new Input();
        in.sizeMiB = 8;
        in.setup();
        return in;
    }

    @Test
    void inputIsCutIntoChunksThatCoverItExactly() throws Exception {
        Input in = input();
        assertThat(in.bytes()).isEqualTo(8 << 20);
        assertThat(in.offsets.length).isBetween(3, 40);
        long covered = 0;
        for (int i = 0; i < in.offsets.length; i++) {
            assertThat(in.offsets[i]).isEqualTo(covered);
            covered += in.lengths[i];
        }
        assertThat(covered).isEqualTo(in.bytes());
    }

    @Test
    void halfTheInputIsIncompressibleAndTheOtherHalfShrinks() throws Exception {
        Input in = input();
        PayloadCodec zstd = CompressionBenchmark.codec("zstd-3");
        int random = MixedData.SEGMENT;   // segment 0 is random, segment 1 text
        assertThat(zstd.encode(in.data, 0, random).length).isGreaterThan(random);
        assertThat(zstd.encode(in.data, random, MixedData.SEGMENT).length).isLessThan(MixedData.SEGMENT / 2);
    }

    @Test
    void mixedDataFileStartsWithTheBenchmarkInput(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("mixed.bin");
        MixedData.main(new String[]{file.toString(), "10"});
        byte[] written = Files.readAllBytes(file);
        assertThat(written).hasSize(10 << 20);
        assertThat(Arrays.equals(written, 0, 8 << 20, MixedData.generate(8 << 20), 0, 8 << 20)).isTrue();
    }

    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        Input in = input();

        ChunkerBenchmark chunker = new ChunkerBenchmark();
        chunker.setup(in);
        assertThat(chunker.chunkStream(in)).isEqualTo(in.bytes());
        assertThat(chunker.findBoundary(in)).isEqualTo(in.offsets.length);

        HashBenchmark hash = new HashBenchmark();
        hash.setup();
        hash.blobId(in, BH);

        for (String codec : new String[]{"zstd-3", "lz4"}) {
            CompressionBenchmark compression = new CompressionBenchmark();
            compression.codec = codec;
            compression.setup(in);
            compression.encode(in, BH);
            compression.decode(BH);

            PipelineBenchmark pipeline = new PipelineBenchmark();
            pipeline.codec = codec;
            pipeline.setup(in);
            pipeline.backup(in, BH);
        }

        EncryptionBenchmark encryption = new EncryptionBenchmark();
        encryption.setup(in);
        assertThat(encryption.seal(in)).isEqualTo(in.bytes() + 16L * in.offsets.length);
        encryption.open(BH);
    }
}
