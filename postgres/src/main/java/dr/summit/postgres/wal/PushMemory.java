package dr.summit.postgres.wal;

import java.util.concurrent.Semaphore;

/**
 * Bounds the bytes that concurrent WAL pushes hold in memory, so a resident agent with a small
 * heap never runs out of it however compressible the WAL is. A push reserves twice its file's size
 * while it reads and compresses (its worst case: the compressed blocks and the payload they are
 * joined into, or incompressible WAL sealed raw), gives back all
 * but the sealed object's size once that exists, and the rest when the object is stored. So with
 * compressible WAL many uploads overlap (what a slow store needs), and with incompressible WAL
 * only as many as fit. Where pushes compress in pooled buffers ({@link SealBuffers}), a push
 * reserves only its sealed copy, from when it is sealed until it is stored: the buffers are bounded
 * by their pool.
 */
public final class PushMemory {
    /** No bound: one-shot commands push one file at a time. */
    public static final PushMemory UNBOUNDED = new PushMemory(Integer.MAX_VALUE);

    private final Semaphore kib;
    private final int limitKib;

    /** @param limitBytes the most all pushes may hold at once; a single larger push still runs, alone */
    public PushMemory(long limitBytes) {
        this.limitKib = (int) Math.min(Integer.MAX_VALUE, Math.max(1, limitBytes >>> 10));
        this.kib = new Semaphore(limitKib, true);
    }

    /** For a process whose heap is {@code maxHeapBytes}: half of it for pushes in flight. */
    public static PushMemory forHeap(long maxHeapBytes) {
        return new PushMemory(maxHeapBytes / 2);
    }

    /** Heap the resident agent holds besides its pushes (12 MiB measured when idle), with room to spare. */
    static final long AGENT_BASE_BYTES = 16L << 20;

    /**
     * For the resident agent, whose heap is {@code maxHeapBytes} and whose segments are compressed
     * in pooled direct buffers ({@link SealBuffers}, outside the heap): half of what is left beside
     * the agent's own {@link #AGENT_BASE_BYTES} for sealed copies in flight, the other half for the
     * collector's room (a copy is allocated whole and may be promoted before it is stored).
     */
    public static PushMemory forAgentHeap(long maxHeapBytes) {
        return new PushMemory(Math.max(1 << 20, (maxHeapBytes - AGENT_BASE_BYTES) / 2));
    }

    /** A reservation of memory for one push; close it when the push is over. */
    public final class Reservation implements AutoCloseable {
        private int held;

        private Reservation(int heldKib) {
            this.held = heldKib;
        }

        /** Keeps only {@code bytes} of the reservation (the sealed object's size). */
        public void shrinkTo(long bytes) {
            int keep = (int) Math.min(held, kibOf(bytes));
            kib.release(held - keep);
            held = keep;
        }

        @Override
        public void close() {
            kib.release(held);
            held = 0;
        }
    }

    /** Waits until {@code bytes} may be held (capped at the limit: a push larger than it runs alone). */
    public Reservation reserve(long bytes) throws InterruptedException {
        int want = (int) Math.min(limitKib, kibOf(bytes));
        kib.acquire(want);
        return new Reservation(want);
    }

    /** Memory not reserved now, in bytes (for tests and status). */
    public long availableBytes() {
        return (long) kib.availablePermits() << 10;
    }

    private static long kibOf(long bytes) {
        return (bytes + 1023) >>> 10;
    }
}
