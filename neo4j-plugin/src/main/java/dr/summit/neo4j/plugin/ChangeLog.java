package dr.summit.neo4j.plugin;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The append-only change log of one database: a directory with a {@code log-id} (random, made once:
 * it tells the agent a log was replaced) and one file per server run ("session"), named by the last
 * closed transaction when the run started. Committing threads only enqueue; one writer thread
 * encodes, appends and fsyncs whole batches (group commit), so a commit never waits for a disk.
 *
 * <p>A session that ended without its END frame (the server was killed) may have lost its tail:
 * the log is complete only after the start of the session that followed it ({@link #completeAfter()}).
 */
final class ChangeLog implements AutoCloseable {
    private static final String PREFIX = "session-";
    private final Path dir;
    private final String logId;
    private final Path current;
    private final FileChannel channel;
    private final BlockingQueue<TxChanges> queue = new ArrayBlockingQueue<>(16_384);
    private final Thread writer;
    private final Object progress = new Object();
    private long enqueued;   // guarded by progress
    private long durable;    // guarded by progress
    private long lastTx;     // highest tx id written, guarded by progress
    private volatile IOException failure;
    private volatile boolean closing;

    ChangeLog(Path dir, long startTx) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Path idFile = dir.resolve("log-id");
        if (!Files.exists(idFile)) {
            Path tmp = dir.resolve("log-id.tmp");
            Files.writeString(tmp, UUID.randomUUID().toString());
            Files.move(tmp, idFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        this.logId = Files.readString(idFile, StandardCharsets.UTF_8).trim();
        this.current = dir.resolve(String.format("%s%020d-%d.log", PREFIX, startTx, System.currentTimeMillis()));
        this.channel = FileChannel.open(current, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.lastTx = startTx;
        this.writer = new Thread(this::writeLoop, "summit-dr-change-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    String logId() {
        return logId;
    }

    Path directory() {
        return dir;
    }

    /** Hands a committed transaction to the writer; blocks only when the writer is far behind. */
    void append(TxChanges tx) {
        synchronized (progress) {
            enqueued++;
        }
        try {
            queue.put(tx);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until everything enqueued so far is on disk. */
    void flush(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (progress) {
            long target = enqueued;
            while (durable < target) {
                if (failure != null) {
                    throw new IOException("summit-dr change log " + current + ": " + failure.getMessage(), failure);
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new IOException("summit-dr change log: writer did not catch up within " + timeoutMillis + " ms");
                }
                progress.wait(left);
            }
        }
        if (failure != null) {
            throw new IOException("summit-dr change log " + current + ": " + failure.getMessage(), failure);
        }
    }

    private void writeLoop() {
        List<TxChanges> batch = new ArrayList<>(256);
        while (true) {
            try {
                TxChanges first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 4095);
                long maxTx = 0;
                for (TxChanges tx : batch) {
                    write(LogFrames.encodeTx(tx));
                    maxTx = Math.max(maxTx, tx.txId());
                }
                channel.force(false);
                synchronized (progress) {
                    durable += batch.size();
                    lastTx = Math.max(lastTx, maxTx);
                    progress.notifyAll();
                }
                batch.clear();
            } catch (IOException e) {
                failure = e;
                synchronized (progress) {
                    progress.notifyAll();
                }
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void write(byte[] frame) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Session files in start order. */
    List<Path> sessions() throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && p.getFileName().toString().endsWith(".log"))
                    .sorted().toList();
        }
    }

    static long startTx(Path session) {
        String name = session.getFileName().toString();
        return Long.parseLong(name.substring(PREFIX.length(), name.indexOf('-', PREFIX.length())));
    }

    /**
     * The transaction after which the log misses nothing: the start of the first session, or of
     * the newest session that follows one that did not end cleanly.
     */
    long completeAfter() throws IOException {
        List<Path> sessions = sessions();
        long after = sessions.isEmpty() ? 0 : startTx(sessions.get(0));
        for (int i = 0; i + 1 < sessions.size(); i++) {
            if (!endedCleanly(sessions.get(i))) {
                after = startTx(sessions.get(i + 1));
            }
        }
        return after;
    }

    private boolean endedCleanly(Path session) throws IOException {
        if (session.equals(current)) {
            return true;
        }
        boolean end = false;
        try (InputStream raw = Files.newInputStream(session); DataInputStream in = LogFrames.open(raw)) {
            for (byte[] p = LogFrames.next(in); p != null; p = LogFrames.next(in)) {
                end = p[0] == LogFrames.END;
            }
        }
        return end;
    }

    /**
     * Every logged transaction with {@code after < id <= upTo}, in log order (not id order), as a
     * lazy stream: one session file open and one transaction decoded at a time, so a feed of days
     * costs the server no memory (close the stream).
     */
    java.util.stream.Stream<TxChanges> stream(long after, long upTo) throws IOException {
        Frames frames = new Frames(sessions().iterator(), after, upTo);
        return java.util.stream.StreamSupport.stream(frames, false).onClose(frames::close);
    }

    /** The transactions of the session files in (after, upTo], read one frame at a time. */
    private static final class Frames extends java.util.Spliterators.AbstractSpliterator<TxChanges> {
        private final java.util.Iterator<Path> files;
        private final long after;
        private final long upTo;
        private DataInputStream in;

        Frames(java.util.Iterator<Path> files, long after, long upTo) {
            super(Long.MAX_VALUE, ORDERED | NONNULL);
            this.files = files;
            this.after = after;
            this.upTo = upTo;
        }

        @Override
        public boolean tryAdvance(Consumer<? super TxChanges> action) {
            try {
                while (true) {
                    if (in == null) {
                        if (!files.hasNext()) {
                            return false;
                        }
                        in = LogFrames.open(Files.newInputStream(files.next()));
                    }
                    byte[] p = LogFrames.next(in);
                    if (p == null) {
                        in.close();
                        in = null;
                        continue;
                    }
                    if (p[0] != LogFrames.TX) {
                        continue;
                    }
                    long id = ByteBuffer.wrap(p, 1, 8).getLong();
                    if (id > after && id <= upTo) {
                        action.accept(LogFrames.decodeTx(p));
                        return true;
                    }
                }
            } catch (IOException e) {
                throw unchecked(e);
            }
        }

        void close() {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // a file only read: nothing is lost
                }
                in = null;
            }
        }
    }

    /**
     * Deletes whole session files every transaction of which is at or below {@code upTo} (never
     * the current one); returns how many were deleted.
     */
    int truncate(long upTo) throws IOException {
        List<Path> sessions = sessions();
        int deleted = 0;
        for (int i = 0; i + 1 < sessions.size(); i++) {
            if (startTx(sessions.get(i + 1)) <= upTo && !sessions.get(i).equals(current)) {
                Files.delete(sessions.get(i));
                deleted++;
            }
        }
        return deleted;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (failure == null && queue.isEmpty()) {
                long last;
                synchronized (progress) {
                    last = lastTx;
                }
                write(LogFrames.encodeEnd(last));
                channel.force(false);
            }
        } finally {
            channel.close();
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e.getMessage(), e);
    }
}
