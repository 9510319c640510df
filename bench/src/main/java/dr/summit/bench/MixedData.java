package dr.summit.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The benchmark input: seeded, so every run and every machine sees the same bytes. Segments of
 * 4 MiB alternate between incompressible random bytes and log-like text (zstd-3 shrinks it to
 * about a third), so half the data is of each kind and a 1 MiB-average chunk is mostly one or the other.
 * Segment {@code k} depends only on {@code k}: a longer input starts with the shorter one.
 *
 * <p>{@code java -cp summit-dr-benchmarks.jar dr.summit.bench.MixedData FILE MIB} writes the same
 * bytes to a file, so that command-line tools (shared/bench/primitives.sh) can be measured on them.
 */
public final class MixedData {
    /** Bytes per segment; even segments are random, odd ones text. */
    public static final int SEGMENT = 4 << 20;
    private static final long SEED = 0x5D_2026L;
    private static final String[] WORDS = words();

    private MixedData() {
    }

    /** {@code size} bytes of the mixed input. */
    public static byte[] generate(int size) {
        byte[] out = new byte[size];
        for (int off = 0, k = 0; off < size; off += SEGMENT, k++) {
            fill(out, off, Math.min(SEGMENT, size - off), k);
        }
        return out;
    }

    private static void fill(byte[] out, int off, int len, int segment) {
        SplittableRandom rnd = new SplittableRandom(SEED * 31 + segment);
        if (segment % 2 == 0) {
            int i = off;
            int end = off + len;
            for (; i + 8 <= end; i += 8) {
                long v = rnd.nextLong();
                for (int b = 0; b < 8; b++) {
                    out[i + b] = (byte) (v >>> (8 * b));
                }
            }
            for (; i < end; i++) {
                out[i] = (byte) rnd.nextInt(256);
            }
            return;
        }
        StringBuilder line = new StringBuilder(200);
        int pos = off;
        int end = off + len;
        long clock = 1_700_000_000_000L + segment * 3_600_000L;
        while (pos < end) {
            line.setLength(0);
            clock += rnd.nextInt(2000);
            line.append(clock).append(' ').append(rnd.nextInt(10) < 8 ? "INFO " : "WARN ")
                    .append("worker-").append(rnd.nextInt(16)).append(" req=")
                    .append(Long.toHexString(rnd.nextLong() >>> 16)).append(" dur_ms=").append(rnd.nextInt(5000));
            int words = 4 + rnd.nextInt(12);
            for (int w = 0; w < words; w++) {
                line.append(' ').append(WORDS[rnd.nextInt(WORDS.length)]);
            }
            line.append('\n');
            byte[] bytes = line.toString().getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(bytes.length, end - pos);
            System.arraycopy(bytes, 0, out, pos, n);
            pos += n;
        }
    }

    private static String[] words() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        String[] words = new String[400];
        for (int i = 0; i < words.length; i++) {
            char[] w = new char[3 + rnd.nextInt(8)];
            for (int c = 0; c < w.length; c++) {
                w[c] = (char) ('a' + rnd.nextInt(26));
            }
            words[i] = new String(w);
        }
        return words;
    }

    /** A fixed 32-byte key derived from {@code label}, for benchmarks only. */
    public static byte[] key(int label) {
        byte[] key = new byte[32];
        SplittableRandom rnd = new SplittableRandom(SEED ^ label);
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) rnd.nextInt(256);
        }
        return key;
    }

    /** Writes {@code MIB} MiB of the mixed input to {@code FILE}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: MixedData FILE MIB");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int mib = Integer.parseInt(args[1]);
        try (OutputStream out = Files.newOutputStream(file)) {
            long total = (long) mib << 20;
            for (int k = 0; (long) k * SEGMENT < total; k++) {
                byte[] seg = new byte[(int) Math.min(SEGMENT, total - (long) k * SEGMENT)];
                fill(seg, 0, seg.length, k);
                out.write(seg);
            }
        }
    }
}
