package dr.summit.files.restore;

import dr.summit.files.browse.TreeWalker;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a snapshot (or the parts selected by include patterns) into an empty target directory.
 *
 * <p>Files are written to temporary names ({@value #TEMP_PREFIX}N) and renamed into place only
 * once every chunk has been written and verified, so a file under its final name never holds
 * wrong or missing bytes. Files are processed in bounded batches, so memory does not grow with the
 * number of files; one batch runs on the workers while the walk fills the next
 * ({@link BatchPipeline}), and the directories of each listing are created ahead of the walk on
 * their own threads ({@link DirectoriesAhead}). Directory metadata is applied last, deepest first,
 * the directories of one depth in parallel.
 *
 * <p>Every entry is created and changed relative to its open directory, without following links
 * ({@link TargetDirectories}): another user who can write into the target and swaps a directory
 * for a symlink while the restore runs makes that directory's entries fail, naming it; nothing is
 * written where the link points. A target such a user can write to is reported as a warning.
 */
public final class Restorer {
    static final String TEMP_PREFIX = ".summit-restore-";
    private static final int BATCH_FILES = 20_000;
    private static final int FIRST_BATCH_FILES = 1_250;
    /** Fewer directories of one depth than this have their metadata applied on the calling thread. */
    private static final int PARALLEL_DIRECTORIES = 64;
    private static final long BATCH_BYTES = 2L << 30;
    private static final int MAX_KEPT_MESSAGES = 1000;
    private static final Set<OpenOption> READ_NOFOLLOW = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private final Repository repo;
    private final Options options;
    private final EntryMetadata metadata;
    private final AtomicLong tempCounter = new AtomicLong();
    private final SpecialEntries specials;
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> replacedReported = Collections.synchronizedSet(new HashSet<>());
    private final AtomicLong failureCount = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private DirectoryHook afterDirectoryCreated = directory -> { };

    /**
     * @param includes     glob patterns or path prefixes relative to the snapshot root; empty = everything
     * @param verify       after restoring, re-read every file and check it against the snapshot's chunk ids
     * @param restoreOwner chown entries to their stored uid/gid; only root may, so the default is "running as root"
     */
    public record Options(int workers, List<String> includes, boolean verify, boolean restoreOwner) {
        public static Options defaults() {
            return new Options(Math.max(2, Runtime.getRuntime().availableProcessors()), List.of(), false,
                    ProcessUser.uid() == 0);
        }

        public Options withIncludes(List<String> patterns) {
            return new Options(workers, patterns, verify, restoreOwner);
        }

        public Options withVerify(boolean v) {
            return new Options(workers, includes, v, restoreOwner);
        }
    }

    /** Test seam: runs after a directory is created and before the restore opens it to write into it. */
    @FunctionalInterface
    interface DirectoryHook {
        void created(Path directory) throws IOException;
    }

    public Restorer(Repository repo, Options options) {
        this.repo = repo;
        this.options = options;
        this.metadata = new EntryMetadata(options.restoreOwner());
        this.specials = new SpecialEntries(metadata, options.restoreOwner(), tempCounter);
    }

    Restorer afterDirectoryCreated(DirectoryHook hook) {
        this.afterDirectoryCreated = hook;
        return this;
    }

    public AtomicLong bytesWritten() {
        return bytesWritten;
    }

    public AtomicLong filesDone() {
        return filesDone;
    }

    public RestoreResult restore(Snapshot snapshot, Path target) throws InterruptedException {
        int ownUid = ProcessUser.uid();
        TargetExposure.check(target, ownUid).ifPresent(this::warn);
        prepareTarget(target);
        try (TargetDirectories dirs = TargetDirectories.open(target, ownUid)) {
            return restoreInto(snapshot, dirs, target);
        }
    }

    /** A directory to finish; {@code depth} (its slashes) orders the metadata pass, counted once here. */
    private record CreatedDirectory(String key, Node node, int depth) {
        CreatedDirectory(String key, Node node) {
            this(key, node, (int) key.chars().filter(c -> c == '/').count());
        }
    }

    private record HardLink(String key, String firstKey) {
    }

    private RestoreResult restoreInto(Snapshot snapshot, TargetDirectories dirs, Path target) throws InterruptedException {
        Includes includes = new Includes(options.includes());
        ExecutorService pool = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, "summit-restore");
            t.setDaemon(true);
            return t;
        });
        long[] counts = new long[3];
        List<CreatedDirectory> directories = new ArrayList<>();
        Map<String, String> hardLinkFirst = new HashMap<>();
        List<HardLink> hardLinks = new ArrayList<>();
        long verified;
        try (BatchPipeline pipeline = new BatchPipeline();
             DirectoriesAhead ahead = new DirectoriesAhead(options.workers(),
                     key -> createDirectory(dirs, key, dirs.display(key)))) {
            Batch[] batch = {new Batch(dirs)};
            int[] batchFiles = {FIRST_BATCH_FILES};
            TreeWalker.ListingHandler createSubdirectories = (directory, nodes) -> {
                List<String> keys = new ArrayList<>();
                for (Node node : nodes) {
                    if (node.type() == NodeType.DIRECTORY) {
                        byte[] path = TreeWalker.join(directory, node.name());
                        if (wanted(includes, new String(path, StandardCharsets.UTF_8), node)) {
                            keys.add(TargetDirectories.key(path));
                        }
                    }
                }
                ahead.ahead(keys);
            };
            new TreeWalker(repo).walk(BlobId.parse(snapshot.tree()), (path, node) -> {
                if (!wanted(includes, new String(path, StandardCharsets.UTF_8), node)) {
                    return false;
                }
                String key = TargetDirectories.key(path);
                Path dest = dirs.display(key);
                try {
                    switch (node.type()) {
                        case DIRECTORY -> {
                            ahead.await(key);
                            directories.add(new CreatedDirectory(key, node));
                            counts[1]++;
                        }
                        case FILE -> {
                            String linkKey = node.links() > 1 ? node.device() + ":" + node.inode() : null;
                            if (linkKey != null && hardLinkFirst.containsKey(linkKey)) {
                                hardLinks.add(new HardLink(key, hardLinkFirst.get(linkKey)));
                                counts[0]++;
                                return true;
                            }
                            if (linkKey != null) {
                                hardLinkFirst.put(linkKey, key);
                            }
                            counts[0]++;
                            List<ChunkRef> chunks;
                            try {
                                chunks = repo.fileChunks(node);
                            } catch (RepositoryException e) {
                                fail(dest + ": " + e.getMessage());
                                return true;
                            }
                            OpenDirectory dir = dirs.acquire(TargetDirectories.parentKey(key));
                            FileJob job = new FileJob(dest, dir, TargetDirectories.name(key),
                                    Path.of(TEMP_PREFIX + tempCounter.incrementAndGet()), node, chunks);
                            batch[0].add(job);
                            if (batch[0].files >= batchFiles[0] || batch[0].bytes >= BATCH_BYTES || dirs.crowded()) {
                                pipeline.start(batch[0].runner(pool));
                                batch[0] = new Batch(dirs);
                                // The first batch is small so the workers start early; later ones grow for pack locality.
                                batchFiles[0] = Math.min(BATCH_FILES, batchFiles[0] * 4);
                            }
                        }
                        default -> {
                            OpenDirectory dir = dirs.acquire(TargetDirectories.parentKey(key));
                            try {
                                String warning = specials.restore(dir, TargetDirectories.name(key), dest, node);
                                if (warning != null) {
                                    warn(warning);
                                }
                            } finally {
                                dirs.release(dir);
                            }
                            counts[2]++;
                        }
                    }
                } catch (DirectoryReplacedException e) {
                    failReplaced(e);
                    return node.type() != NodeType.DIRECTORY;   // nothing is written below a swapped directory
                } catch (IOException e) {
                    if (node.type() == NodeType.DIRECTORY) {
                        fail(dest + ": " + e.getMessage() + "; its entries are not restored");
                        return false;   // they would fail one by one for the same reason
                    }
                    fail(dest + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RepositoryException("restore interrupted");
                }
                return true;
            }, (dir, error) -> fail((dir.length == 0 ? "/" : "/" + new String(dir, StandardCharsets.UTF_8))
                    + ": cannot read directory listing, its entries are not restored: " + error.getMessage()),
                    createSubdirectories);
            pipeline.start(batch[0].runner(pool));
            verified = pipeline.finish();
            for (HardLink link : hardLinks) {
                hardLink(dirs, link);
            }
            finishDirectories(dirs, directories, pool);
        } finally {
            WorkFailure.stopAndWait(pool);
        }
        checkTargetStillThere(dirs, target);
        return new RestoreResult(counts[0], counts[1], counts[2], bytesWritten.get(), List.copyOf(failures),
                (int) failureCount.get(), List.copyOf(warnings), verified);
    }

    /** Whether the entry at {@code rel} is restored: selected by the includes, or a directory that may hold selected entries. */
    private static boolean wanted(Includes includes, String rel, Node node) {
        return includes.selects(rel) || (node.type() == NodeType.DIRECTORY && includes.mayContain(rel));
    }

    /**
     * Applies every directory's metadata once all files and hard links are in place, deepest
     * first: a directory's times are set after everything inside it was written. Directories of
     * one depth do not touch each other, so each depth runs on all workers.
     */
    private void finishDirectories(TargetDirectories dirs, List<CreatedDirectory> directories, ExecutorService pool)
            throws InterruptedException {
        directories.sort(Comparator.comparingInt(CreatedDirectory::depth).reversed());
        int from = 0;
        while (from < directories.size()) {
            int depth = directories.get(from).depth();
            int to = from;
            while (to < directories.size() && directories.get(to).depth() == depth) {
                to++;
            }
            List<CreatedDirectory> level = directories.subList(from, to);
            if (level.size() < PARALLEL_DIRECTORIES) {
                level.forEach(d -> finishDirectory(dirs, d));
            } else {
                int slices = options.workers();
                List<Callable<Void>> work = new ArrayList<>(slices);
                for (int i = 0; i < slices; i++) {
                    int slice = i;
                    work.add(() -> {
                        for (int j = slice; j < level.size(); j += slices) {
                            finishDirectory(dirs, level.get(j));
                        }
                        return null;
                    });
                }
                for (java.util.concurrent.Future<Void> done : pool.invokeAll(work)) {
                    try {
                        done.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw WorkFailure.unwrap(e.getCause(), "cannot restore directory metadata");
                    }
                }
            }
            from = to;
        }
    }

    private void createDirectory(TargetDirectories dirs, String key, Path dest) throws IOException {
        OpenDirectory parent = dirs.acquire(TargetDirectories.parentKey(key));
        try {
            dirs.create(parent, key);
        } finally {
            dirs.release(parent);
        }
        afterDirectoryCreated.created(dest);
        dirs.release(dirs.adopt(key));
    }

    private void hardLink(TargetDirectories dirs, HardLink link) {
        Path dest = dirs.display(link.key());
        OpenDirectory dir = null;
        OpenDirectory firstDir = null;
        try {
            dir = dirs.acquire(TargetDirectories.parentKey(link.key()));
            firstDir = dirs.acquire(TargetDirectories.parentKey(link.firstKey()));
            Path firstName = TargetDirectories.name(link.firstKey());
            if (exists(firstDir, firstName)) {
                // link(2) does not follow a symlink at its source; both paths are pinned to open directories.
                Files.createLink(dir.pinned(TargetDirectories.name(link.key())), firstDir.pinned(firstName));
            } else {
                fail(dest + ": hard-link target " + dirs.display(link.firstKey()) + " was not restored");
            }
        } catch (DirectoryReplacedException e) {
            failReplaced(e);
            fail(dest + ": hard link not created");
        } catch (IOException e) {
            fail(dest + ": cannot create hard link: " + e.getMessage());
        } finally {
            dirs.release(dir);
            dirs.release(firstDir);
        }
    }

    /** Applies a directory's metadata, after checking it is still where it was created. */
    private void finishDirectory(TargetDirectories dirs, CreatedDirectory created) {
        Path dest = dirs.display(created.key());
        OpenDirectory dir;
        try {
            dir = dirs.acquire(created.key());
        } catch (DirectoryReplacedException e) {
            failReplaced(e);
            return;
        } catch (IOException e) {
            warn(dest + ": cannot restore metadata: " + e.getMessage());
            return;
        }
        try {
            dirs.checkInPlace(dir);
            metadata.applyToDirectory(dir, created.node());
        } catch (DirectoryReplacedException e) {
            failReplaced(e);
        } catch (IOException e) {
            warn(dest + ": cannot restore metadata: " + e.getMessage());
        } finally {
            dirs.release(dir);
        }
    }

    private void checkTargetStillThere(TargetDirectories dirs, Path target) {
        try {
            if (!dirs.rootIdentity().equals(Files.readAttributes(target, BasicFileAttributes.class).fileKey())) {
                fail(target + ": the restore target was replaced during the restore; what was restored is no longer at this path");
            }
        } catch (IOException e) {
            fail(target + ": the restore target was removed or renamed during the restore: " + e.getMessage());
        }
    }

    /** The files of one batch and the plan that reads their chunks. */
    private final class Batch {
        final RestoreBatch plan = new RestoreBatch(repo);
        final TargetDirectories dirs;
        /** The batch's files, kept only to verify them after it ran. */
        final List<FileJob> jobs = new ArrayList<>();
        int files;
        long bytes;

        Batch(TargetDirectories dirs) {
            this.dirs = dirs;
        }

        /** Takes over the job's hold on its directory. */
        void add(FileJob job) {
            if (options.verify()) {
                jobs.add(job);
            }
            files++;
            bytes += job.node.size();
            if (job.chunks.isEmpty()) {
                finish(job, dirs);
                return;
            }
            String missing = plan.add(job);
            if (missing != null) {
                job.failure = missing;
                finish(job, dirs);
            }
        }

        /** The work of running this batch, then verifying its files if asked: returns how many were verified. */
        Callable<Long> runner(ExecutorService pool) {
            return () -> {
                plan.run(pool, options.workers(), job -> finish(job, dirs));
                return options.verify() ? verify(jobs, dirs) : 0L;
            };
        }
    }

    /** Completes a file: sets its length (trailing holes), metadata, and renames it into place; releases its directory. */
    private void finish(FileJob job, TargetDirectories dirs) {
        try {
            if (job.failure != null) {
                deleteTemp(job);
                fail(job.target + ": " + job.failure);
                return;
            }
            if (!job.lengthReached || !job.created()) {
                // Empty, all zeros, or a zero tail was skipped: writing only the last byte keeps
                // the rest a hole. (The open creates the file if no chunk was written.)
                try (SeekableByteChannel ch = job.open()) {
                    if (ch.size() < job.node.size()) {
                        RestoreBatch.writeAt(ch, ByteBuffer.wrap(new byte[1]), job.node.size() - 1);
                    }
                }
            }
            metadata.applyToFile(job.dir, job.temp, job.node);
            job.dir.stream.move(job.temp, job.dir.stream, job.name);
            bytesWritten.addAndGet(job.node.size());
            filesDone.incrementAndGet();
        } catch (IOException e) {
            deleteTemp(job);
            fail(job.target + ": " + e.getMessage());
        } finally {
            dirs.release(job.dir);
        }
    }

    private static void deleteTemp(FileJob job) {
        if (!job.created()) {
            return;
        }
        try {
            job.dir.stream.deleteFile(job.temp);
        } catch (IOException ignored) {
            // Gone already, or the failure reported by the caller is what matters.
        }
    }

    private static boolean exists(OpenDirectory dir, Path name) {
        try {
            dir.stream.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Re-reads restored files and checks every chunk against its id. Returns files verified. */
    private long verify(List<FileJob> jobs, TargetDirectories dirs) {
        long n = 0;
        for (FileJob job : jobs) {
            if (job.failure != null) {
                continue;
            }
            OpenDirectory dir;
            try {
                dir = dirs.acquire(job.dirKey);
            } catch (DirectoryReplacedException e) {
                failReplaced(e);
                continue;
            } catch (IOException e) {
                fail(job.target + ": verification failed: " + e.getMessage());
                continue;
            }
            try (SeekableByteChannel ch = dir.stream.newByteChannel(job.name, READ_NOFOLLOW);
                 InputStream in = Channels.newInputStream(ch)) {
                long offset = 0;
                for (ChunkRef chunk : job.chunks) {
                    byte[] data = in.readNBytes(chunk.length());
                    if (data.length != chunk.length() || !repo.hasher().id(BlobType.DATA, data).equals(chunk.id())) {
                        fail(job.target + ": verification failed: bytes at offset " + offset + " differ from the snapshot");
                        break;
                    }
                    offset += chunk.length();
                }
                if (in.read() != -1) {
                    fail(job.target + ": verification failed: file is longer than in the snapshot");
                }
                n++;
            } catch (NoSuchFileException e) {
                // Not restored (its failure is reported already).
            } catch (IOException e) {
                fail(job.target + ": verification failed: " + e.getMessage());
            } finally {
                dirs.release(dir);
            }
        }
        jobs.clear();
        return n;
    }

    private static void prepareTarget(Path target) {
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new RepositoryException("restore target " + target + " exists and is not a directory");
        }
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new RepositoryException("cannot create restore target " + target + ": " + e.getMessage());
        }
    }

    /** A swapped directory is reported once, however many of its entries run into it. */
    private void failReplaced(DirectoryReplacedException e) {
        if (replacedReported.add(e.getMessage())) {
            fail(e.getMessage());
        } else {
            failureCount.incrementAndGet();
        }
    }

    private void fail(String message) {
        failureCount.incrementAndGet();
        if (failures.size() < MAX_KEPT_MESSAGES) {
            failures.add(message);
        }
    }

    private void warn(String message) {
        if (warnings.size() < MAX_KEPT_MESSAGES) {
            warnings.add(message);
        }
    }
}
