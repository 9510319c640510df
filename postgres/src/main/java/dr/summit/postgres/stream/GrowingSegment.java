package dr.summit.postgres.stream;

import dr.summit.repository.RepositoryException;

import java.nio.ByteBuffer;

/**
 * The segment the receiver is filling: its bytes, how far the server has sent them in this
 * session ({@link #received}), how far they were handed to the writer ({@link #submit}) and how far
 * they are durable in the repository ({@link #durable}). Pure and confined to the receiving thread;
 * the writer thread only reads bytes below what was submitted, which never change again. Bytes that were already in the repository when the session
 * started (a reconnect) must come again identical: the stream is compared with them, not trusted.
 */
final class GrowingSegment {
    private final String name;
    private final long startLsn;
    private final byte[] bytes;
    private final int known;
    private int received;
    private int submitted;
    private int durable;

    /**
     * @param known the segment's bytes already durable in the repository (streamed pieces or the
     *              archived segment), from offset 0
     */
    GrowingSegment(String name, long startLsn, int segmentSize, byte[] known) {
        if (known.length > segmentSize) {
            throw new IllegalArgumentException("segment " + name + ": " + known.length + " known bytes exceed the segment size " + segmentSize);
        }
        this.name = name;
        this.startLsn = startLsn;
        this.bytes = new byte[segmentSize];
        System.arraycopy(known, 0, bytes, 0, known.length);
        this.known = known.length;
        this.durable = known.length;
        this.submitted = known.length;
    }

    String name() {
        return name;
    }

    long startLsn() {
        return startLsn;
    }

    long endLsn() {
        return startLsn + bytes.length;
    }

    byte[] bytes() {
        return bytes;
    }

    int received() {
        return received;
    }

    int durable() {
        return durable;
    }

    /**
     * Takes {@code length} bytes of {@code data} at {@code offset} in the segment; the stream must
     * continue exactly where it stopped. Throws when bytes the repository already holds differ.
     */
    void accept(int offset, ByteBuffer data, int length) {
        if (offset != received) {
            throw new IllegalStateException("segment " + name + ": stream jumped from offset " + received + " to " + offset);
        }
        if (offset + length > bytes.length) {
            throw new IllegalArgumentException("segment " + name + ": " + length + " bytes at offset " + offset + " overrun the segment");
        }
        if (offset >= known) {
            data.get(bytes, offset, length);   // nothing to compare: the common case, in bulk
            received = offset + length;
            return;
        }
        for (int i = 0; i < length; i++) {
            byte b = data.get();
            int at = offset + i;
            if (at < known && bytes[at] != b) {
                throw new RepositoryException("WAL segment " + name + " streamed from the server differs at offset " + at
                        + " from the WAL already in the repository; refusing to continue (another server, or a timeline the receiver did not follow?)");
            }
            bytes[at] = b;
        }
        received = offset + length;
    }

    /** Bytes received but not yet handed to the writer: the next piece is [submitted, received). */
    boolean hasUnsubmitted() {
        return received > submitted;
    }

    int unsubmittedBytes() {
        return Math.max(0, received - submitted);
    }

    /** Hands [submitted, received) to the writer; returns the piece's start offset. */
    int submit() {
        int start = submitted;
        submitted = Math.max(submitted, received);
        return start;
    }

    /** Called once bytes [0, end) are durable in the repository (a piece up to {@code end} was stored). */
    void stored(int end) {
        durable = Math.max(durable, end);
    }

    boolean complete() {
        return received == bytes.length;
    }

    /**
     * The position that may be reported as flushed: received in this session and durable in the
     * repository — never ahead of either.
     */
    long flushableLsn() {
        return startLsn + Math.min(received, durable);
    }
}
