package dr.summit.files.backup;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.chunker.ChunkStream;
import dr.summit.repository.chunker.Chunker;
import dr.summit.repository.tree.ChunkRef;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Reads one file, cuts it into chunks on the calling (reader) thread and hands each chunk to the
 * worker pool that hashes, compresses, encrypts and packs it. A semaphore bounds the bytes of the
 * chunks in flight (not their count: a count of 4 MiB chunks is four times the memory of the same
 * count of the average 1 MiB), so memory stays at a few chunks per worker whatever the file size.
 */
public final class FileContentSaver {
    private final Chunker chunker;
    private final BlobSaver saver;
    private final ExecutorService workers;
    /** Permits are KiB of chunk data waiting for or inside a worker. */
    private final Semaphore kibInFlight;
    private final int kibBudget;
    private final BackupCounters counters;
    // One chunking buffer per reader thread: allocating (and zeroing) 2 × max chunk size per file
    // cost more than reading small files.
    private final ThreadLocal<byte[]> buffers;

    /** {@code maxBytesInFlight}: see {@link #bytesInFlight}. */
    public FileContentSaver(Chunker chunker, BlobSaver saver, ExecutorService workers, long maxBytesInFlight, BackupCounters counters) {
        this.chunker = chunker;
        this.saver = saver;
        this.workers = workers;
        this.kibBudget = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxBytesInFlight >> 10));
        this.kibInFlight = new Semaphore(kibBudget);
        this.counters = counters;
        this.buffers = ThreadLocal.withInitial(() -> new byte[ChunkStream.bufferSize(chunker)]);
    }

    /**
     * The chunk bytes a backup with {@code workers} workers keeps in flight: two average chunks per
     * worker and two more (enough to keep every worker busy while readers cut the next ones), and
     * never less than two of the largest chunks, so that one of those always fits.
     */
    public static long bytesInFlight(Chunker chunker, int workers) {
        long average = (long) (workers * 2 + 2) * chunker.params().avgSize();
        return Math.max(average, 2L * chunker.params().maxSize());
    }

    /** Content of a file as read now: its chunks in order and the number of bytes read. */
    public record Content(List<ChunkRef> chunks, long size) {
    }

    /** Saves a file's content; {@code fixedChunkSize > 0} cuts at fixed offsets instead of by content. */
    Content save(Path file, int fixedChunkSize, Archiver.ChunkInspector inspector) throws IOException, InterruptedException {
        return save(Files.newInputStream(file), file, fixedChunkSize, inspector);
    }

    /**
     * Saves a file cut at fixed offsets, reading only the chunks that {@code reusable} rejects: a
     * chunk it accepts is referenced from {@code parentChunks} without being read — provided the
     * parent's chunk there is a whole chunk, and lies within the file as it is now; otherwise it
     * is read after all. Reads past the parent's chunks to
     * the end of the file, as {@link #save(Path, int, Archiver.ChunkInspector)} does.
     */
    Content saveChanged(Path file, int chunkSize, Archiver.ChunkInspector inspector, List<ChunkRef> parentChunks,
                        java.util.function.IntPredicate reusable) throws IOException, InterruptedException {
        List<Future<ChunkRef>> pending = new ArrayList<>();
        long size = 0;
        Exception readFailure = null;
        try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(file)) {
            long sizeNow = in.size();
            // The parent's chunk i covers [i × size, (i + 1) × size) only while every chunk before it is whole.
            boolean parentAligned = true;
            for (int i = 0; ; i++) {
                long position = (long) i * chunkSize;
                boolean parentWhole = i < parentChunks.size() && parentChunks.get(i).length() == chunkSize;
                boolean reuse = parentAligned && parentWhole && position + chunkSize <= sizeNow && reusable.test(i);
                parentAligned &= parentWhole;
                if (reuse) {
                    pending.add(CompletableFuture.completedFuture(parentChunks.get(i)));
                    counters.reusedBytes.addAndGet(chunkSize);
                    size += chunkSize;
                    continue;
                }
                byte[] chunk = readAt(in, position, chunkSize);
                if (chunk.length == 0) {
                    break;
                }
                if (inspector != null) {
                    inspector.inspect(file, position, chunk);
                }
                size += chunk.length;
                counters.bytesRead.addAndGet(chunk.length);
                submit(pending, chunk);
                if (chunk.length < chunkSize) {
                    break;
                }
            }
        } catch (IOException | InterruptedException e) {
            readFailure = e;
        }
        return finish(pending, readFailure, size);
    }

    /**
     * Collects every chunk that was started, even after a read error, so that no worker is still
     * busy with this file when the caller moves on; then rethrows the read error, if any.
     */
    private Content finish(List<Future<ChunkRef>> pending, Exception readFailure, long size) throws IOException, InterruptedException {
        List<ChunkRef> refs = collect(pending);
        if (readFailure instanceof IOException io) {
            throw io;
        }
        if (readFailure instanceof InterruptedException ie) {
            throw ie;
        }
        return new Content(refs, size);
    }

    /** Up to {@code length} bytes at {@code position}; fewer only at the end of the file. */
    private static byte[] readAt(java.nio.channels.FileChannel in, long position, int length) throws IOException {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (in.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.position() == length ? buffer.array() : java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }

    private void submit(List<Future<ChunkRef>> pending, byte[] chunk) throws InterruptedException {
        int length = chunk.length;
        // A chunk larger than the whole budget (a fixed chunk size above it) takes all of it.
        int kib = Math.min(kibBudget, Math.max(1, (length + 1023) >> 10));
        kibInFlight.acquire(kib);
        try {
            pending.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return new ChunkRef(saver.save(BlobType.DATA, chunk).id(), length);
                } finally {
                    kibInFlight.release(kib);
                }
            }, workers));
        } catch (RuntimeException e) {
            kibInFlight.release(kib);
            throw e;
        }
    }

    /** Saves a stream's content by content-defined chunks (bucket objects); closes the stream. */
    public Content save(InputStream stream) throws IOException, InterruptedException {
        return save(stream, null, 0, null);
    }

    private Content save(InputStream stream, Path file, int fixedChunkSize, Archiver.ChunkInspector inspector)
            throws IOException, InterruptedException {
        List<Future<ChunkRef>> pending = new ArrayList<>();
        long size = 0;
        Exception readFailure = null;
        try (InputStream in = stream) {
            ChunkSource chunks = fixedChunkSize > 0 ? new FixedChunks(in, fixedChunkSize)
                    : new ContentDefinedChunks(new ChunkStream(in, chunker, buffers.get()));
            for (byte[] next = chunks.next(); next != null; next = chunks.next()) {
                int length = next.length;
                if (inspector != null) {
                    inspector.inspect(file, size, next);
                }
                size += length;
                counters.bytesRead.addAndGet(length);
                submit(pending, next);
            }
        } catch (IOException | InterruptedException e) {
            readFailure = e;
        }
        return finish(pending, readFailure, size);
    }

    /** The next chunk as a fresh array (it is handed to another thread), or null at the end. */
    private interface ChunkSource {
        byte[] next() throws IOException;
    }

    private record ContentDefinedChunks(ChunkStream stream) implements ChunkSource {
        @Override
        public byte[] next() throws IOException {
            if (!stream.next()) {
                return null;
            }
            byte[] copy = new byte[stream.length()];
            System.arraycopy(stream.buffer(), stream.offset(), copy, 0, copy.length);
            return copy;
        }
    }

    private record FixedChunks(InputStream in, int size) implements ChunkSource {
        @Override
        public byte[] next() throws IOException {
            byte[] chunk = in.readNBytes(size);
            return chunk.length == 0 ? null : chunk;
        }
    }

    private static List<ChunkRef> collect(List<Future<ChunkRef>> pending) throws InterruptedException {
        List<ChunkRef> refs = new ArrayList<>(pending.size());
        RuntimeException failure = null;
        for (Future<ChunkRef> f : pending) {
            try {
                refs.add(f.get());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return refs;
    }
}
