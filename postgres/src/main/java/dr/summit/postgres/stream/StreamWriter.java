package dr.summit.postgres.stream;

import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalPieces;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The receiver's writes, off the receiving thread so the socket is read while a piece is made
 * durable (the bytes that arrive meanwhile form the next piece: the fsync is grouped, as a
 * synchronous primary's commits are). Two threads: pieces in order on one (they decide the flush
 * position), complete segments on the other (archived whole and their pieces deleted — a
 * consolidation, not on the commit path). Every method but the workers' bodies runs on the
 * receiving thread, which alone touches {@link GrowingSegment}s; a finished write wakes it.
 */
final class StreamWriter implements AutoCloseable {
    /** Complete segments (16 MiB each in memory) waiting to be archived before receiving pauses. */
    private static final int MAX_ARCHIVES_WAITING = 4;

    private final WalPieces pieces;
    private final WalArchive archive;
    private final Thread receiving = Thread.currentThread();
    private final ExecutorService pieceThread = Executors.newSingleThreadExecutor(daemon("summit-wal-pieces"));
    private final ExecutorService archiveThread = Executors.newSingleThreadExecutor(daemon("summit-wal-archive"));
    private final ArrayDeque<PieceJob> piecesInFlight = new ArrayDeque<>();
    private final ArrayDeque<Future<?>> archivesInFlight = new ArrayDeque<>();
    private Future<?> lastPiece;
    private long durableLsn;

    private record PieceJob(GrowingSegment segment, int end, Future<?> done) {
    }

    StreamWriter(WalPieces pieces, WalArchive archive) {
        this.pieces = pieces;
        this.archive = archive;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Whether a piece is being stored (its completion will wake the receiving thread). */
    boolean pieceInFlight() {
        return !piecesInFlight.isEmpty();
    }

    /** Stores the segment's received, not yet submitted bytes as one piece, after those already submitted. */
    void storePiece(GrowingSegment segment) {
        int end = segment.received();
        int start = segment.submit();
        if (end <= start) {
            return;
        }
        String name = segment.name();
        byte[] bytes = segment.bytes();
        lastPiece = pieceThread.submit(() -> {
            try {
                pieces.put(name, bytes, start, end);
            } finally {
                LockSupport.unpark(receiving);
            }
        });
        piecesInFlight.add(new PieceJob(segment, end, lastPiece));
    }

    /**
     * Archives a complete segment whole once its last piece is durable, then deletes its pieces
     * (garbage from then on). Pauses receiving while too many complete segments wait.
     */
    void archiveWhenDurable(GrowingSegment segment) throws InterruptedException {
        Future<?> tail = lastPiece;
        String name = segment.name();
        byte[] bytes = segment.bytes();
        archivesInFlight.add(archiveThread.submit(() -> {
            if (tail != null) {
                tail.get();
            }
            archive.pushStreamed(name, bytes);
            pieces.delete(name);
            return null;
        }));
        while (archivesInFlight.size() > MAX_ARCHIVES_WAITING) {
            await(archivesInFlight.peek());
            archivesInFlight.poll();
        }
    }

    /**
     * Takes note of finished writes: marks pieces durable in their segments and returns the end of
     * the WAL durable without a hole (0 before the first piece); a failed write is thrown here.
     */
    long collect() throws InterruptedException {
        while (!piecesInFlight.isEmpty() && piecesInFlight.peek().done().isDone()) {
            PieceJob job = piecesInFlight.poll();
            await(job.done());
            job.segment().stored(job.end());
            durableLsn = Math.max(durableLsn, job.segment().startLsn() + job.end());
        }
        while (!archivesInFlight.isEmpty() && archivesInFlight.peek().isDone()) {
            await(archivesInFlight.poll());
        }
        return durableLsn;
    }

    /** Waits for every write submitted so far (the end of a session: the next one reads the repository). */
    void finish() throws InterruptedException {
        while (!piecesInFlight.isEmpty()) {
            await(piecesInFlight.peek().done());
            collect();
        }
        while (!archivesInFlight.isEmpty()) {
            await(archivesInFlight.poll());
        }
    }

    private static void await(Future<?> f) throws InterruptedException {
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops the threads; writes still running finish (a store is never cut half-way). */
    @Override
    public void close() throws InterruptedException {
        pieceThread.shutdown();
        archiveThread.shutdown();
        pieceThread.awaitTermination(1, TimeUnit.MINUTES);
        archiveThread.awaitTermination(1, TimeUnit.MINUTES);
    }
}
