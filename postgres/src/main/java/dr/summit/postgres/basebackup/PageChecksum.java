package dr.summit.postgres.basebackup;

/**
 * PostgreSQL's data page checksum (the algorithm of its checksum_impl.h, re-implemented from its
 * published description): 32 parallel FNV-1a-style lanes over the page as little-endian 32-bit
 * words with pd_checksum taken as zero, two extra zero rounds, the lanes XOR-folded, the block
 * number XOR-ed in, and the result reduced to 1..65535. Pure; used to verify pages while a base
 * backup reads them.
 */
public final class PageChecksum {
    public static final int PAGE_SIZE = 8192;
    /** Blocks per 1 GiB relation segment file (RELSEG_SIZE with 8 KiB pages). */
    public static final long BLOCKS_PER_SEGMENT = 131072;
    private static final int LANES = 32;
    private static final int FNV_PRIME = 16777619;
    private static final int[] BASE = {
        0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
        0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
        0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
        0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756};
    private static final int CHECKSUM_OFFSET = 8;
    private static final int PD_UPPER = 14;
    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];
    private static final ThreadLocal<int[]> WORDS = ThreadLocal.withInitial(() -> new int[PAGE_SIZE / 4]);

    private PageChecksum() {
    }

    /** The checksum PostgreSQL would store for the page at {@code offset} with block number {@code block}. */
    public static int compute(byte[] buf, int offset, long block) {
        int[] words = WORDS.get();
        java.nio.ByteBuffer.wrap(buf, offset, PAGE_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(words);
        words[CHECKSUM_OFFSET / 4] &= 0xFFFF0000; // pd_checksum (bytes 8-9) counts as zero; pd_flags (10-11) stays
        int[] sums = BASE.clone();
        // Row by row, word w of the page going to lane w % 32: the inner loop is the same
        // operation on 32 independent lanes, which the JIT turns into vector instructions.
        for (int row = 0; row < PAGE_SIZE / 4; row += LANES) {
            for (int lane = 0; lane < LANES; lane++) {
                int tmp = sums[lane] ^ words[row + lane];
                sums[lane] = tmp * FNV_PRIME ^ (tmp >>> 17);
            }
        }
        for (int round = 0; round < 2; round++) {
            for (int lane = 0; lane < LANES; lane++) {
                int tmp = sums[lane];
                sums[lane] = tmp * FNV_PRIME ^ (tmp >>> 17);
            }
        }
        int result = 0;
        for (int s : sums) {
            result ^= s;
        }
        result ^= (int) block;
        return (int) (Integer.toUnsignedLong(result) % 65535) + 1;
    }

    /** The checksum stored in the page header. */
    public static int stored(byte[] buf, int offset) {
        return (buf[offset + CHECKSUM_OFFSET] & 0xFF) | ((buf[offset + CHECKSUM_OFFSET + 1] & 0xFF) << 8);
    }

    /** pd_lsn of the page, as a 64-bit LSN (xlogid << 32 | xrecoff, each little-endian). */
    public static long lsn(byte[] buf, int offset) {
        long hi = Integer.toUnsignedLong(le32(buf, offset));
        long lo = Integer.toUnsignedLong(le32(buf, offset + 4));
        return (hi << 32) | lo;
    }

    /**
     * A new (never initialised) page: all zeros; PostgreSQL does not checksum those. As in
     * PostgreSQL, pd_upper (bytes 14-15) is looked at first: an initialised page never has 0 there,
     * so only candidates are scanned.
     */
    public static boolean isNew(byte[] buf, int offset) {
        if (buf[offset + PD_UPPER] != 0 || buf[offset + PD_UPPER + 1] != 0) {
            return false;
        }
        return java.util.Arrays.mismatch(buf, offset, offset + PAGE_SIZE, ZERO_PAGE, 0, PAGE_SIZE) < 0;
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8) | ((b[at + 2] & 0xFF) << 16) | ((b[at + 3] & 0xFF) << 24);
    }
}
