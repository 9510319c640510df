package dr.summit.bench;

import dr.summit.repository.chunker.ChunkStream;
import dr.summit.repository.chunker.Chunker;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.chunker.GearTable;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The data every benchmark works through in one operation: {@link MixedData} of {@code sizeMiB}
 * MiB, and its chunk boundaries under the repository's default chunker parameters (1 MiB average),
 * so the per-chunk stages see the chunk sizes a backup gives them. One operation = the whole
 * input, so MB/s = operations/s × {@link #bytes()} / 10^6 (bench/jmh.sh does this).
 */
@State(Scope.Benchmark)
public class Input {
    /** Input size in MiB; bench/jmh.sh reads it back from the results to compute MB/s. */
    @Param("64")
    public int sizeMiB;

    public byte[] data;
    public Chunker chunker;
    /** Start and length of each chunk in {@link #data}. */
    public int[] offsets;
    public int[] lengths;
    public int maxChunk;

    @Setup
    public void setup() throws IOException {
        data = MixedData.generate(sizeMiB << 20);
        chunker = new Chunker(ChunkerParams.DEFAULT, GearTable.derive(MixedData.key(1)));
        int[] offs = new int[16];
        int[] lens = new int[16];
        int n = 0;
        ChunkStream stream = new ChunkStream(new ByteArrayInputStream(data), chunker);
        while (stream.next()) {
            if (n == offs.length) {
                offs = Arrays.copyOf(offs, 2 * n);
                lens = Arrays.copyOf(lens, 2 * n);
            }
            offs[n] = (int) stream.position();
            lens[n] = stream.length();
            maxChunk = Math.max(maxChunk, stream.length());
            n++;
        }
        offsets = Arrays.copyOf(offs, n);
        lengths = Arrays.copyOf(lens, n);
    }

    public long bytes() {
        return data.length;
    }
}
