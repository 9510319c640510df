package dr.summit.repository.crypto;

import org.bouncycastle.crypto.digests.Blake2bDigest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Argon2id (RFC 9106, version 0x13) that fills its lanes on parallel threads.
 *
 * <p>Why not Bouncy Castle's generator, which gives the same bytes: it fills the lanes one after
 * the other, so a repository's 64 MiB, 3-pass, 2-lane key slot cost one core ~0.9 s of every
 * command's start (the largest item of an unchanged re-backup's profile, docs/benchmarks.md).
 * The lanes of one slice are independent by design (that is what the parallelism parameter is
 * for); here each is filled on its own thread and the threads meet at each slice's end. The cost
 * parameters, and so the attacker's cost, are unchanged; ArgonIdTest checks every output
 * against Bouncy Castle's.
 */
final class Argon2id {
    private static final int BLOCK_WORDS = 128;
    private static final int BLOCK_BYTES = 1024;
    private static final int SYNC_POINTS = 4;
    private static final int VERSION = 0x13;
    private static final int TYPE_ID = 2;

    private final int lanes;
    private final int passes;
    private final int laneLength;
    private final int segmentLength;
    private final int blockCount;
    /**
     * The m KiB of blocks, off the heap: a heap array made every command's heap 64 MiB larger
     * for the rest of its life (the GC keeps the space it once needed), while this is returned to
     * the system once the buffer object is collected.
     */
    private final LongBuffer memory;

    private Argon2id(int memoryKiB, int passes, int lanes) {
        this.lanes = lanes;
        this.passes = passes;
        int blocks = Math.max(memoryKiB, 2 * SYNC_POINTS * lanes);
        this.segmentLength = blocks / (lanes * SYNC_POINTS);
        this.laneLength = segmentLength * SYNC_POINTS;
        this.blockCount = laneLength * lanes;
        this.memory = ByteBuffer.allocateDirect(blockCount * BLOCK_BYTES).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
    }

    /** The {@code outLength}-byte tag of {@code password} and {@code salt}. */
    static byte[] hash(byte[] password, byte[] salt, int memoryKiB, int passes, int lanes, int outLength) {
        if (lanes < 1 || passes < 1 || memoryKiB < 8 * lanes) {
            throw new IllegalArgumentException("invalid Argon2id parameters: m=" + memoryKiB + " t=" + passes + " p=" + lanes);
        }
        Argon2id a = new Argon2id(memoryKiB, passes, lanes);
        try {
            byte[] h0 = a.initialHash(password, salt, memoryKiB, outLength);
            a.firstBlocks(h0);
            java.util.Arrays.fill(h0, (byte) 0);
            a.fill();
            return a.finish(outLength);
        } finally {
            a.release();
        }
    }

    private byte[] initialHash(byte[] password, byte[] salt, int memoryKiB, int outLength) {
        Blake2bDigest d = new Blake2bDigest(512);
        for (int v : new int[]{lanes, outLength, memoryKiB, passes, VERSION, TYPE_ID}) {
            int32(d, v);
        }
        int32(d, password.length);
        d.update(password, 0, password.length);
        int32(d, salt.length);
        d.update(salt, 0, salt.length);
        int32(d, 0);   // no secret
        int32(d, 0);   // no associated data
        byte[] h0 = new byte[72];   // room for the two 32-bit words appended below
        d.doFinal(h0, 0);
        return h0;
    }

    private void firstBlocks(byte[] h0) {
        byte[] block = new byte[BLOCK_BYTES];
        for (int lane = 0; lane < lanes; lane++) {
            for (int column = 0; column < 2; column++) {
                putInt(h0, 64, column);
                putInt(h0, 68, lane);
                longHash(h0, block);
                long[] words = new long[BLOCK_WORDS];
                for (int w = 0; w < BLOCK_WORDS; w++) {
                    words[w] = getLong(block, w * 8);
                }
                memory.put((lane * laneLength + column) * BLOCK_WORDS, words);
            }
        }
        java.util.Arrays.fill(block, (byte) 0);
    }

    private void fill() {
        ExecutorService pool = lanes == 1 ? null : Executors.newFixedThreadPool(lanes - 1, r -> {
            Thread t = new Thread(r, "summit-argon2");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int pass = 0; pass < passes; pass++) {
                for (int slice = 0; slice < SYNC_POINTS; slice++) {
                    List<Future<?>> others = new ArrayList<>(lanes - 1);
                    for (int lane = 1; lane < lanes; lane++) {
                        int p = pass, s = slice, l = lane;
                        others.add(pool.submit(() -> fillSegment(p, s, l)));
                    }
                    fillSegment(pass, slice, 0);
                    for (Future<?> f : others) {
                        f.get();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("key derivation interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("key derivation failed", e.getCause());
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private void fillSegment(int pass, int slice, int lane) {
        boolean dataIndependent = pass == 0 && slice < SYNC_POINTS / 2;
        long[] r = new long[BLOCK_WORDS];
        long[] tmp = new long[BLOCK_WORDS];
        long[] prevBlock = new long[BLOCK_WORDS];
        long[] refBlock = new long[BLOCK_WORDS];
        long[] nextBlock = new long[BLOCK_WORDS];
        long[] addresses = null;
        long[] input = null;
        if (dataIndependent) {
            addresses = new long[BLOCK_WORDS];
            input = new long[BLOCK_WORDS];
            input[0] = pass;
            input[1] = lane;
            input[2] = slice;
            input[3] = blockCount;
            input[4] = passes;
            input[5] = TYPE_ID;
        }
        int start = 0;
        if (pass == 0 && slice == 0) {
            start = 2;
            if (dataIndependent) {
                nextAddresses(input, addresses, r, tmp);
            }
        }
        int current = lane * laneLength + slice * segmentLength + start;
        int previous = current % laneLength == 0 ? current + laneLength - 1 : current - 1;
        for (int index = start; index < segmentLength; index++, current++, previous++) {
            if (current % laneLength == 1) {
                previous = current - 1;
            }
            long pseudoRandom;
            if (dataIndependent) {
                if (index % BLOCK_WORDS == 0) {
                    nextAddresses(input, addresses, r, tmp);
                }
                pseudoRandom = addresses[index % BLOCK_WORDS];
            } else {
                pseudoRandom = memory.get(previous * BLOCK_WORDS);
            }
            int refLane = pass == 0 && slice == 0 ? lane : (int) ((pseudoRandom >>> 32) % lanes);
            int refIndex = referenceIndex(pass, slice, index, pseudoRandom & 0xFFFFFFFFL, refLane == lane);
            // Blocks are copied in and out: the compression runs on plain arrays the JIT vectorises.
            memory.get(previous * BLOCK_WORDS, prevBlock);
            memory.get((refLane * laneLength + refIndex) * BLOCK_WORDS, refBlock);
            if (pass > 0) {
                memory.get(current * BLOCK_WORDS, nextBlock);
            }
            compress(prevBlock, 0, refBlock, 0, nextBlock, 0, pass > 0, r, tmp);
            memory.put(current * BLOCK_WORDS, nextBlock);
        }
    }

    private int referenceIndex(int pass, int slice, int index, long pseudoRandom, boolean sameLane) {
        long area;
        if (pass == 0) {
            if (slice == 0) {
                area = index - 1;
            } else if (sameLane) {
                area = (long) slice * segmentLength + index - 1;
            } else {
                area = (long) slice * segmentLength + (index == 0 ? -1 : 0);
            }
        } else if (sameLane) {
            area = laneLength - segmentLength + index - 1;
        } else {
            area = laneLength - segmentLength + (index == 0 ? -1 : 0);
        }
        long relative = (pseudoRandom * pseudoRandom) >>> 32;
        relative = area - 1 - ((area * relative) >>> 32);
        long startPosition = pass != 0 && slice != SYNC_POINTS - 1 ? (long) (slice + 1) * segmentLength : 0;
        return (int) ((startPosition + relative) % laneLength);
    }

    private static void nextAddresses(long[] input, long[] addresses, long[] r, long[] tmp) {
        input[6]++;
        long[] zero = new long[BLOCK_WORDS];
        compress(zero, 0, input, 0, addresses, 0, false, r, tmp);
        compress(zero, 0, addresses, 0, addresses, 0, false, r, tmp);
    }

    /** next = P(prev ⊕ ref) ⊕ prev ⊕ ref (⊕ next, from the second pass on). */
    private static void compress(long[] prevArr, int prev, long[] refArr, int ref, long[] nextArr, int next,
                                 boolean xorInto, long[] r, long[] tmp) {
        for (int i = 0; i < BLOCK_WORDS; i++) {
            long v = prevArr[prev + i] ^ refArr[ref + i];
            r[i] = v;
            tmp[i] = xorInto ? v ^ nextArr[next + i] : v;
        }
        for (int row = 0; row < 8; row++) {
            int b = 16 * row;
            round(r, b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12, b + 13, b + 14, b + 15);
        }
        for (int col = 0; col < 8; col++) {
            int b = 2 * col;
            round(r, b, b + 1, b + 16, b + 17, b + 32, b + 33, b + 48, b + 49, b + 64, b + 65, b + 80, b + 81,
                    b + 96, b + 97, b + 112, b + 113);
        }
        for (int i = 0; i < BLOCK_WORDS; i++) {
            nextArr[next + i] = tmp[i] ^ r[i];
        }
    }

    private static void round(long[] v, int i0, int i1, int i2, int i3, int i4, int i5, int i6, int i7,
                              int i8, int i9, int i10, int i11, int i12, int i13, int i14, int i15) {
        g(v, i0, i4, i8, i12);
        g(v, i1, i5, i9, i13);
        g(v, i2, i6, i10, i14);
        g(v, i3, i7, i11, i15);
        g(v, i0, i5, i10, i15);
        g(v, i1, i6, i11, i12);
        g(v, i2, i7, i8, i13);
        g(v, i3, i4, i9, i14);
    }

    private static void g(long[] v, int ia, int ib, int ic, int id) {
        long a = v[ia], b = v[ib], c = v[ic], d = v[id];
        a = a + b + 2 * (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
        d = Long.rotateRight(d ^ a, 32);
        c = c + d + 2 * (c & 0xFFFFFFFFL) * (d & 0xFFFFFFFFL);
        b = Long.rotateRight(b ^ c, 24);
        a = a + b + 2 * (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
        d = Long.rotateRight(d ^ a, 16);
        c = c + d + 2 * (c & 0xFFFFFFFFL) * (d & 0xFFFFFFFFL);
        b = Long.rotateRight(b ^ c, 63);
        v[ia] = a;
        v[ib] = b;
        v[ic] = c;
        v[id] = d;
    }

    private byte[] finish(int outLength) {
        long[] c = new long[BLOCK_WORDS];
        long[] last = new long[BLOCK_WORDS];
        for (int lane = 0; lane < lanes; lane++) {
            memory.get((lane * laneLength + laneLength - 1) * BLOCK_WORDS, last);
            for (int w = 0; w < BLOCK_WORDS; w++) {
                c[w] ^= last[w];
            }
        }
        byte[] block = new byte[BLOCK_BYTES];
        for (int w = 0; w < BLOCK_WORDS; w++) {
            putLong(block, w * 8, c[w]);
        }
        byte[] out = new byte[outLength];
        longHash(block, out);
        java.util.Arrays.fill(block, (byte) 0);
        return out;
    }

    /**
     * Wipes the blocks. The buffer's native memory is freed when the collector finds the (small,
     * young) buffer object dead, at the first young collection of a busy command; freeing it
     * explicitly takes sun.misc.Unsafe, which JDK 24 and later warn about on every command.
     */
    private void release() {
        long[] zeros = new long[BLOCK_WORDS];
        for (int block = 0; block < blockCount; block++) {
            memory.put(block * BLOCK_WORDS, zeros);
        }
    }

    /** H' of RFC 9106 section 3.3: Blake2b stretched to {@code out.length} bytes. */
    private static void longHash(byte[] input, byte[] out) {
        int length = out.length;
        if (length <= 64) {
            Blake2bDigest d = new Blake2bDigest(length * 8);
            int32(d, length);
            d.update(input, 0, input.length);
            d.doFinal(out, 0);
            return;
        }
        Blake2bDigest d = new Blake2bDigest(512);
        byte[] v = new byte[64];
        int32(d, length);
        d.update(input, 0, input.length);
        d.doFinal(v, 0);
        System.arraycopy(v, 0, out, 0, 32);
        int written = 32;
        while (length - written > 64) {
            d.reset();
            d.update(v, 0, 64);
            d.doFinal(v, 0);
            System.arraycopy(v, 0, out, written, 32);
            written += 32;
        }
        Blake2bDigest last = new Blake2bDigest((length - written) * 8);
        last.update(v, 0, 64);
        last.doFinal(out, written);
    }

    private static void int32(Blake2bDigest d, int v) {
        byte[] b = new byte[4];
        putInt(b, 0, v);
        d.update(b, 0, 4);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFFL);
        }
        return v;
    }
}
