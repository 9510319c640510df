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
 * The receiver's writes, off the receiving thread so the socket is read while pieces are made
 * durable. Up to {@link #MAX_PIECES_IN_FLIGHT} pieces are stored at once (a commit's WAL need not
 * wait for the piece before it to finish; the file system groups their journal commits, and once
 * all writers are busy the bytes that arrive meanwhile form one piece); the flush position only
 * moves over pieces durable without a hole before them. Complete segments go to one more thread
 * (archived whole, then their pieces deleted — a consolidation, not on the commit path). Every method but the workers' bodies runs on the
 * receiving thread, which alone touches {@link GrowingSegment}s; a finished write wakes it.
 */
final class StreamWriter implements AutoCloseable {
    /** Complete segments (16 MiB each in memory) waiting to be archived before receiving pauses. */
    private static final int MAX_ARCHIVES_WAITING = 4;
    /** Pieces stored at once: more than one so a commit never waits for a whole earlier store. */
    static final int MAX_PIECES_IN_FLIGHT = 3;

    private final WalPieces pieces;
    private final WalArchive archive;
    private final Thread receiving = Thread.currentThread();
    private final ExecutorService pieceThread = Executors.newFixedThreadPool(MAX_PIECES_IN_FLIGHT, daemon("summit-wal-pieces"));
    private final ExecutorService archiveThread = Executors.newSingleThreadExecutor(daemon("summit-wal-archive"));
    private final ArrayDeque<PieceJob> piecesInFlight = new ArrayDeque<>();
    private final ArrayDeque<Future<?>> archivesInFlight = new ArrayDeque<>();
    /** Pieces of the segment being filled: its archiving waits for all of them. */
    private final java.util.List<Future<?>> segmentPieces = new java.util.ArrayList<>();
    private String segmentName;
    private long durableLsn;

    private record PieceJob(GrowingSegment segment, int end, Future<?> done) {
    }

    StreamWriter(WalPieces pieces, WalArchive archive) {
        this.pieces = pieces;
        this.archive = archive;
        this.inline = pieces.appendsLocally();
    }

    /**
     * Pieces are stored on the receiving thread, as pg_receivewal does: on a local repository a
     * piece is an append and an fdatasync (~0.1–0.2 ms), cheaper than two thread hand-offs on a
     * loaded machine, and the WAL arriving meanwhile waits in the socket to form the next piece.
     * On S3 a piece is a PUT round trip, and up to {@link #MAX_PIECES_IN_FLIGHT} overlap.
     */
    private final boolean inline;

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

    /** Whether another piece may start now. */
    boolean canStorePiece() {
        return piecesInFlight.size() < MAX_PIECES_IN_FLIGHT;
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
        Future<?> done = inline ? storeNow(name, bytes, start, end) : pieceThread.submit(() -> {
            try {
                pieces.put(name, bytes, start, end);
            } finally {
                LockSupport.unpark(receiving);
            }
        });
        if (!name.equals(segmentName)) {
            segmentName = name;
            segmentPieces.clear();
        }
        segmentPieces.add(done);
        piecesInFlight.add(new PieceJob(segment, end, done));
    }

    /** Stores a piece on this thread: an append and an fdatasync cost less than handing it over. */
    private Future<?> storeNow(String name, byte[] bytes, int start, int end) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        try {
            pieces.put(name, bytes, start, end);
            done.complete(null);
        } catch (RuntimeException | Error e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Archives a complete segment whole once its last piece is durable, then deletes its pieces
     * (garbage from then on). Pauses receiving while too many complete segments wait.
     */
    void archiveWhenDurable(GrowingSegment segment) throws InterruptedException {
        String name = segment.name();
        java.util.List<Future<?>> mine = name.equals(segmentName) ? java.util.List.copyOf(segmentPieces) : java.util.List.of();
        byte[] bytes = segment.bytes();
        archivesInFlight.add(archiveThread.submit(() -> {
            for (Future<?> piece : mine) {
                piece.get();   // deleting the pieces must not race one still being written
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
        pieces.closeLogs();
    }
}
