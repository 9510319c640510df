package dr.summit.files.restore;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
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
import java.util.concurrent.ExecutorService;
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
    /** One read per restore thread is held at a time: 16 MiB (a default pack) bounds the heap it needs. */
    private static final long MAX_RANGE = 16L << 20;

    private final Repository repo;
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

    /** Runs the plan on {@code pool}; calls {@code done} for each file once its last chunk is written or it failed. */
    void run(ExecutorService pool, Consumer<FileJob> done) throws InterruptedException {
        List<PackPlan> ordered = new ArrayList<>(packs.values());
        ordered.sort(Comparator.comparing(p -> PackFormat.objectName(p.packId)));
        List<Future<?>> futures = new ArrayList<>();
        for (PackPlan plan : ordered) {
            futures.add(pool.submit(() -> restorePack(plan, done)));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new RepositoryException("restore worker failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        packs.clear();
    }

    private void restorePack(PackPlan plan, Consumer<FileJob> done) {
        List<Need> needs = new ArrayList<>(plan.needs.values());
        needs.sort(Comparator.comparingInt(n -> n.location.offset()));
        String packName = PackFormat.objectName(plan.packId);
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
            byte[] range;
            try {
                range = repo.store().getRange(packName, start, (int) (end - start));
            } catch (RuntimeException e) {
                for (int k = i; k < j; k++) {
                    fail(needs.get(k), e.getMessage(), done);
                }
                i = j;
                continue;
            }
            for (int k = i; k < j; k++) {
                Need need = needs.get(k);
                byte[] plain;
                try {
                    plain = repo.decodeBlob(BlobType.DATA, need.id, need.location, range, need.location.offset() - start);
                } catch (CorruptObjectException e) {
                    try {
                        plain = repo.loadBlob(BlobType.DATA, need.id);   // read again: damaged in transit, or in the store?
                    } catch (RuntimeException again) {
                        fail(need, again.getMessage(), done);
                        continue;
                    }
                }
                boolean zeros = allZero(plain);
                for (Target t : need.targets) {
                    if (t.job.failure == null) {
                        try {
                            if (!zeros) {
                                write(t.job, t.offset, plain);
                            }
                        } catch (IOException e) {
                            t.job.failure = "cannot write its temporary file " + t.job.temp + ": " + e.getMessage();
                        }
                    }
                    if (t.job.remainingChunks.decrementAndGet() == 0) {
                        done.accept(t.job);
                    }
                }
            }
            i = j;
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
     * holes (a sparse region rarely starts on a chunk boundary).
     */
    private static void write(FileJob job, long offset, byte[] data) throws IOException {
        // Opened per write: batches hold thousands of files, far more than we may keep open. Relative
        // to the file's open directory and without following a link (see TargetDirectories).
        try (SeekableByteChannel out = job.open()) {
            int pos = 0;
            while (pos < data.length) {
                int segmentEnd = nextBoundary(offset, pos, data.length);
                boolean zero = isZero(data, pos, segmentEnd);
                int runEnd = segmentEnd;
                while (runEnd < data.length) {
                    int next = nextBoundary(offset, runEnd, data.length);
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
        for (int from = 0; from < data.length; from += ZEROS.length) {
            int length = Math.min(ZEROS.length, data.length - from);
            if (!java.util.Arrays.equals(data, from, from + length, ZEROS, 0, length)) {
                return false;
            }
        }
        return true;
    }
}
