package dr.summit.files.restore;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.PayloadCodec;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.tree.ChunkRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Restores the content of a batch of files, pack by pack: every pack holding a needed blob is
 * read once (adjacent blobs in one ranged read), packs are processed in parallel, and each blob
 * — authenticated and checked against its id — is written at every offset where it occurs.
 * All-zero chunks are not written, so holes in sparse files come back as holes.
 */
final class RestoreBatch {
    /** Blobs closer than this are fetched in one ranged read rather than two. */
    private static final int COALESCE_GAP = 1024 * 1024;
    /**
     * The largest ranged read, and so the unit of work: small enough that a handful of packs still
     * spread over every core, large enough that a local read or an S3 GET is not per blob.
     */
    private static final long MAX_RANGE = 4L << 20;

    private final Repository repo;
    /**
     * Each worker's decode buffer, reused chunk after chunk: the profile showed as many samples
     * allocating and zeroing a new array per 256 KiB chunk as in zstd itself. It grows to the
     * largest chunk seen (at most {@value #MAX_SCRATCH} bytes are kept); static, so that the many
     * batches of one restore share it, and it dies with the restore's pool threads (Restorer).
     */
    private static final ThreadLocal<byte[]> scratch = new ThreadLocal<>();
    private static final int MAX_SCRATCH = 16 * 1024 * 1024;
    private final Map<String, PackPlan> packs = new HashMap<>();

    private record Target(FileJob job, long offset) {
    }

    private static final class Need {
        final BlobId id;
        final BlobLocation location;
        final List<Target> targets = new ArrayList<>(1);

        Need(BlobId id, BlobLocation location) {
            this.id = id;
            this.location = location;
        }
    }

    private static final class PackPlan {
        final byte[] packId;
        final Map<BlobId, Need> needs = new LinkedHashMap<>();

        PackPlan(byte[] packId) {
            this.packId = packId;
        }
    }

    RestoreBatch(Repository repo) {
        this.repo = repo;
    }

    /** Plans a file; returns an error message if a chunk is not in the index. */
    String add(FileJob job) {
        long offset = 0;
        List<Need> planned = new ArrayList<>();
        for (ChunkRef chunk : job.chunks) {
            BlobLocation location = repo.locate(chunk.id());
            if (location == null) {
                List<String> damagedIndex = repo.damagedIndexNames();
                return "chunk " + chunk.id().shortHex() + " at offset " + offset + (damagedIndex.isEmpty()
                        ? " is in no readable index: its pack is lost, or the index file that listed it (run 'summit-dr repair-index', then 'summit-dr verify')"
                        : " is in no readable index: index file " + damagedIndex.get(0) + " is damaged (run 'summit-dr repair-index')");
            }
            String packKey = location.packHex();
            PackPlan plan = packs.computeIfAbsent(packKey, k -> new PackPlan(location.packId()));
            Need need = plan.needs.computeIfAbsent(chunk.id(), id -> new Need(id, location));
            need.targets.add(new Target(job, offset));
            planned.add(need);
            offset += chunk.length();
        }
        return null;
    }

    boolean isEmpty() {
        return packs.isEmpty();
    }

    /** One ranged read of a pack and the blobs in it, in offset order. */
    private record Range(String packName, List<Need> needs, int start, int length) {
    }

    /**
     * Runs the plan on {@code pool}; calls {@code done} for each file once its last chunk is written or it failed.
     *
     * <p>Each pack is read once, as the ranges that hold its needed blobs (adjacent blobs in one
     * read). The reads run on their own threads, up to {@code 2 × workers} ranges ahead of the
     * writers, so a worker finds its next range already in memory instead of waiting on the store
     * (a cold page cache, or S3) with its core idle. Ranges of at most {@value #MAX_RANGE} bytes,
     * not whole packs, are the unit of work: a few packs then still keep every core busy until
     * the end, and what is held in flight stays bounded.
     */
    void run(ExecutorService pool, int workers, Consumer<FileJob> done) throws InterruptedException {
        List<PackPlan> ordered = new ArrayList<>(packs.values());
        ordered.sort(Comparator.comparing(p -> PackFormat.objectName(p.packId)));
        List<Range> ranges = new ArrayList<>();
        for (PackPlan plan : ordered) {
            ranges.addAll(ranges(plan));
        }
        packs.clear();
        int ahead = Math.max(2, 2 * workers);
        Semaphore inFlight = new Semaphore(ahead);
        // Range buffers go round: at most `ahead` are in use, and a restore of gigabytes allocates
        // a handful of them instead of one 4 MiB array per range (each, under a small heap, large
        // enough to skip the young generation and fill the old one).
        java.util.Queue<byte[]> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();
        ExecutorService readers = Executors.newFixedThreadPool(Math.max(1, Math.min(workers, ranges.size())), r -> {
            Thread t = new Thread(r, "summit-restore-read");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (Range range : ranges) {
                inFlight.acquire();   // released once the range is written: bounds the bytes held
                CompletableFuture<byte[]> read = new CompletableFuture<>();
                readers.execute(() -> {
                    try {
                        byte[] buffer = range.length > MAX_RANGE ? new byte[range.length]
                                : java.util.Objects.requireNonNullElseGet(spare.poll(), () -> new byte[(int) MAX_RANGE]);
                        repo.store().getRange(range.packName, range.start, range.length, buffer);
                        read.complete(buffer);
                    } catch (Throwable e) {
                        read.completeExceptionally(e);
                    }
                });
                futures.add(pool.submit(() -> {
                    try {
                        restoreRange(range, read, done);
                    } finally {
                        byte[] used = read.isDone() && !read.isCompletedExceptionally() ? read.join() : null;
                        if (used != null && used.length == MAX_RANGE) {
                            spare.offer(used);
                        }
                        inFlight.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new RepositoryException("restore worker failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            readers.shutdownNow();
        }
    }

    /** Groups a pack's needed blobs into ranged reads: gaps under {@value #COALESCE_GAP} bytes are read through. */
    private static List<Range> ranges(PackPlan plan) {
        List<Need> needs = new ArrayList<>(plan.needs.values());
        needs.sort(Comparator.comparingInt(n -> n.location.offset()));
        String packName = PackFormat.objectName(plan.packId);
        List<Range> out = new ArrayList<>();
        int i = 0;
        while (i < needs.size()) {
            int j = i + 1;
            long end = needs.get(i).location.offset() + (long) needs.get(i).location.length();
            while (j < needs.size() && needs.get(j).location.offset() - end < COALESCE_GAP
                    && needs.get(j).location.offset() + (long) needs.get(j).location.length() - needs.get(i).location.offset() < MAX_RANGE) {
                end = Math.max(end, needs.get(j).location.offset() + (long) needs.get(j).location.length());
                j++;
            }
            int start = needs.get(i).location.offset();
            out.add(new Range(packName, List.copyOf(needs.subList(i, j)), start, (int) (end - start)));
            i = j;
        }
        return out;
    }

    private void restoreRange(Range range, CompletableFuture<byte[]> read, Consumer<FileJob> done) throws InterruptedException {
        byte[] bytes;
        try {
            bytes = read.get();
        } catch (java.util.concurrent.ExecutionException e) {
            for (Need need : range.needs) {
                fail(need, e.getCause().getMessage(), done);
            }
            return;
        }
        // One key derivation per range (every blob of a pack shares it), not one per blob.
        byte[] packKey = repo.packKey(range.needs.get(0).location);
        // Consecutive chunks of one file (a large relation file: 256 KiB chunks in order) are
        // written through one open channel instead of an open and close per chunk.
        OpenFile open = new OpenFile();
        try {
            for (Need need : range.needs) {
                PayloadCodec.Decoded plain;
                try {
                    // Into this worker's buffer: no new (zeroed) array per chunk; it is written below before the next decode.
                    plain = repo.decodeBlobInto(BlobType.DATA, need.id, need.location, bytes, need.location.offset() - range.start,
                            packKey, scratch.get());
                    if (plain.bytes() != scratch.get() && plain.bytes().length <= MAX_SCRATCH) {
                        scratch.set(plain.bytes());
                    }
                } catch (CorruptObjectException e) {
                    try {
                        byte[] again = repo.loadBlob(BlobType.DATA, need.id);   // read again: damaged in transit, or in the store?
                        plain = new PayloadCodec.Decoded(again, again.length);
                    } catch (RuntimeException again) {
                        open.close();
                        fail(need, again.getMessage(), done);
                        continue;
                    }
                }
                boolean zeros = allZero(plain.bytes(), plain.length());
                for (Target t : need.targets) {
                    if (t.job.failure == null && !zeros) {
                        try {
                            write(t.job, open.channel(t.job), t.offset, plain.bytes(), plain.length());
                        } catch (IOException e) {
                            open.close();
                            t.job.failure = "cannot write its temporary file " + t.job.temp + ": " + e.getMessage();
                        }
                    }
                    if (t.job.remainingChunks.decrementAndGet() == 0) {
                        open.closeIf(t.job);   // the file is finished (renamed) next: nothing may still write to it
                        done.accept(t.job);
                    }
                }
            }
        } finally {
            open.close();
        }
    }

    /** The temporary file a worker last wrote to, kept open while the next chunks go to the same file. */
    private static final class OpenFile {
        private FileJob job;
        private SeekableByteChannel channel;

        SeekableByteChannel channel(FileJob next) throws IOException {
            if (job != next) {
                close();
                channel = next.open();
                job = next;
            }
            return channel;
        }

        void closeIf(FileJob finished) {
            if (job == finished) {
                close();
            }
        }

        void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // A write error was reported by the write itself; closing a written file does not lose data.
                }
            }
            channel = null;
            job = null;
        }
    }

    private static void fail(Need need, String message, Consumer<FileJob> done) {
        for (Target t : need.targets) {
            if (t.job.failure == null) {
                t.job.failure = message;
            }
            if (t.job.remainingChunks.decrementAndGet() == 0) {
                done.accept(t.job);
            }
        }
    }

    /** File-system block size assumed for hole detection; holes smaller than this are not worth it. */
    private static final int BLOCK = 4096;

    /**
     * Writes a chunk, skipping every block-aligned run of zeros so that holes inside a chunk stay
     * holes (a sparse region rarely starts on a chunk boundary). {@code out} is the job's temporary
     * file, opened relative to its open directory without following a link (see TargetDirectories).
     */
    private static void write(FileJob job, SeekableByteChannel out, long offset, byte[] data, int length) throws IOException {
        int pos = 0;
        while (pos < length) {
            int segmentEnd = nextBoundary(offset, pos, length);
            boolean zero = isZero(data, pos, segmentEnd);
            int runEnd = segmentEnd;
            while (runEnd < length) {
                int next = nextBoundary(offset, runEnd, length);
                if (isZero(data, runEnd, next) != zero) {
                    break;
                }
                runEnd = next;
            }
            if (!zero) {
                ByteBuffer buf = ByteBuffer.wrap(data, pos, runEnd - pos);
                long position = offset + pos;
                writeAt(out, buf, position);
                if (offset + runEnd == job.node.size()) {
                    job.lengthReached = true;
                }
            }
            pos = runEnd;
        }
    }

    static final Set<OpenOption> WRITE_NOFOLLOW = Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    /** Positional writes where the channel has them (the JDK's secure streams return a FileChannel). */
    static void writeAt(SeekableByteChannel out, ByteBuffer buf, long position) throws IOException {
        if (out instanceof FileChannel file) {
            // In slices: the JDK copies each call's bytes through a per-thread direct buffer as
            // large as the call, which whole 8 MiB chunks kept resident on every worker.
            int end = buf.limit();
            while (buf.position() < end) {
                buf.limit(Math.min(end, buf.position() + 256 * 1024));
                while (buf.hasRemaining()) {
                    position += file.write(buf, position);
                }
            }
            buf.limit(end);
            return;
        }
        out.position(position);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /** End of the block that contains data[pos], in data coordinates, blocks aligned to file offsets. */
    private static int nextBoundary(long fileOffset, int pos, int length) {
        long absolute = fileOffset + pos;
        long blockEnd = (absolute / BLOCK + 1) * BLOCK;
        return (int) Math.min(length, blockEnd - fileOffset);
    }

    private static boolean isZero(byte[] data, int from, int to) {
        return java.util.Arrays.equals(data, from, to, ZEROS, 0, to - from);
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    /** Vectorised by the JIT through Arrays.equals, unlike a byte loop. */
    static boolean allZero(byte[] data) {
        return allZero(data, data.length);
    }

    /** Whether the first {@code end} bytes are all zero. */
    static boolean allZero(byte[] data, int end) {
        for (int from = 0; from < end; from += ZEROS.length) {
            int length = Math.min(ZEROS.length, end - from);
            if (!java.util.Arrays.equals(data, from, from + length, ZEROS, 0, length)) {
                return false;
            }
        }
        return true;
    }
}
