package dr.summit.postgres.wal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * The few segment-sized buffers that the resident agent's WAL pushes are compressed in, reused
 * from one segment to the next; direct buffers, outside the heap, so the heap holds only the sealed
 * copies. A new buffer per segment made a burst of WAL a burst of 16 MiB garbage that the serial
 * collector promotes straight to the old generation, so the heap grew to its cap
 * (docs/benchmarks.md, "Memory, round 2"). Taking a buffer also bounds how many pushes compress
 * at once (no more than the cores can run), while more of them upload.
 *
 * <p>A buffer is lent to one push at a time: {@link Lease#close} gives it back exactly once, and
 * a lease closed on a failure path gives it back too. {@link #trim} drops the buffers not lent,
 * so an agent idle after a burst hands their memory back at its next collection.
 */
public final class SealBuffers {
    private final int bufferBytes;
    private final int count;
    private final Semaphore slots;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final Set<ByteBuffer> lent = Collections.newSetFromMap(new IdentityHashMap<>());

    /** At most {@code count} buffers of {@code bufferBytes} each, allocated when first needed. */
    public SealBuffers(int count, int bufferBytes) {
        if (count < 1 || bufferBytes < 1) {
            throw new IllegalArgumentException("seal buffers: count " + count + " and size " + bufferBytes + " must be positive");
        }
        this.count = count;
        this.bufferBytes = bufferBytes;
        this.slots = new Semaphore(count, true);
    }

    /** Size of each buffer. */
    public int bufferBytes() {
        return bufferBytes;
    }

    /** Buffers there may be at most; what they can hold at most is {@code count × bufferBytes}. */
    public int count() {
        return count;
    }

    public long maxBytes() {
        return (long) count * bufferBytes;
    }

    /** Waits for a buffer that no other push holds. */
    public Lease take() throws InterruptedException {
        slots.acquire();
        ByteBuffer buffer;
        synchronized (this) {
            buffer = free.pollFirst();
        }
        if (buffer == null) {
            try {
                buffer = ByteBuffer.allocateDirect(bufferBytes);
            } catch (OutOfMemoryError e) {
                slots.release();
                throw e;
            }
        }
        synchronized (this) {
            if (!lent.add(buffer)) {
                throw new IllegalStateException("seal buffer lent twice");   // a bug here, never the caller's
            }
        }
        return new Lease(buffer);
    }

    /**
     * Drops the buffers not lent now (the agent went idle), so the next collection frees their
     * native memory; a
     * buffer lent now is kept when given back (a push is running: the burst is not over).
     */
    public synchronized void trim() {
        free.clear();
    }

    /** Buffers kept for reuse, not lent now. */
    public synchronized int pooled() {
        return free.size();
    }

    /** Buffers lent now. */
    public synchronized int lent() {
        return lent.size();
    }

    private void giveBack(ByteBuffer buffer) {
        synchronized (this) {
            if (!lent.remove(buffer)) {
                throw new IllegalStateException("seal buffer given back twice");
            }
            free.addFirst(buffer);
        }
        slots.release();
    }

    /** One buffer lent to one push; close gives it back (once, however often it is closed). */
    public final class Lease implements AutoCloseable {
        private ByteBuffer buffer;

        private Lease(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        /** The buffer; not to be used after {@link #close}. */
        public ByteBuffer buffer() {
            if (buffer == null) {
                throw new IllegalStateException("seal buffer used after it was given back");
            }
            return buffer;
        }

        @Override
        public void close() {
            ByteBuffer b = buffer;
            if (b != null) {
                buffer = null;
                giveBack(b);
            }
        }
    }
}
