package dr.summit.files.restore;

import dr.summit.files.browse.TreeWalker;
import dr.summit.files.fs.MetadataWriter;
import dr.summit.files.fs.RawPaths;
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
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a snapshot (or the parts selected by include patterns) into an empty target directory.
 *
 * <p>Files are written to temporary names ({@value #TEMP_PREFIX}N) and renamed into place only
 * once every chunk has been written and verified, so a file under its final name never holds
 * wrong or missing bytes. Files are processed in bounded batches, so memory does not grow with the
 * number of files; directory metadata is applied last, deepest first.
 */
public final class Restorer {
    static final String TEMP_PREFIX = ".summit-restore-";
    private static final int BATCH_FILES = 20_000;
    private static final long BATCH_BYTES = 2L << 30;
    private static final int MAX_KEPT_MESSAGES = 1000;

    private final Repository repo;
    private final Options options;
    private final MetadataWriter metadata;
    private final AtomicLong tempCounter = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong failureCount = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();

    /**
     * @param includes glob patterns or path prefixes relative to the snapshot root; empty = everything
     * @param verify   after restoring, re-read every file and check it against the snapshot's chunk ids
     */
    public record Options(int workers, List<String> includes, boolean verify, boolean restoreOwner) {
        public static Options defaults() {
            return new Options(Math.max(2, Runtime.getRuntime().availableProcessors()), List.of(), false,
                    MetadataWriter.runningAsRoot());
        }

        public Options withIncludes(List<String> patterns) {
            return new Options(workers, patterns, verify, restoreOwner);
        }

        public Options withVerify(boolean v) {
            return new Options(workers, includes, v, restoreOwner);
        }
    }

    public Restorer(Repository repo, Options options) {
        this.repo = repo;
        this.options = options;
        this.metadata = new MetadataWriter(options.restoreOwner());
    }

    public AtomicLong bytesWritten() {
        return bytesWritten;
    }

    public AtomicLong filesDone() {
        return filesDone;
    }

    public RestoreResult restore(Snapshot snapshot, Path target) throws InterruptedException {
        prepareTarget(target);
        Includes includes = new Includes(options.includes());
        ExecutorService pool = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, "summit-restore");
            t.setDaemon(true);
            return t;
        });
        long[] counts = new long[3];
        Deque<Map.Entry<Path, Node>> directories = new ArrayDeque<>();
        Map<String, Path> hardLinkFirst = new HashMap<>();
        List<Map.Entry<Path, Path>> hardLinks = new ArrayList<>();
        List<FileJob> verifyList = new ArrayList<>();
        long[] verified = {0};
        try {
            Batch[] batch = {new Batch()};
            new TreeWalker(repo).walk(BlobId.parse(snapshot.tree()), (path, node) -> {
                String rel = new String(path, StandardCharsets.UTF_8);
                boolean selected = includes.selects(rel);
                if (!selected && !(node.type() == NodeType.DIRECTORY && includes.mayContain(rel))) {
                    return false;
                }
                Path dest = target.resolve(RawPaths.fromBytes(path));
                try {
                    switch (node.type()) {
                        case DIRECTORY -> {
                            Files.createDirectories(dest);
                            directories.push(Map.entry(dest, node));
                            counts[1]++;
                        }
                        case FILE -> {
                            Files.createDirectories(dest.getParent());
                            String linkKey = node.links() > 1 ? node.device() + ":" + node.inode() : null;
                            if (linkKey != null && hardLinkFirst.containsKey(linkKey)) {
                                hardLinks.add(Map.entry(dest, hardLinkFirst.get(linkKey)));
                                counts[0]++;
                                return true;
                            }
                            if (linkKey != null) {
                                hardLinkFirst.put(linkKey, dest);
                            }
                            counts[0]++;
                            List<ChunkRef> chunks;
                            try {
                                chunks = repo.fileChunks(node);
                            } catch (RepositoryException e) {
                                fail(dest + ": " + e.getMessage());
                                return true;
                            }
                            FileJob job = new FileJob(dest, dest.resolveSibling(TEMP_PREFIX + tempCounter.incrementAndGet()), node, chunks);
                            batch[0].add(job);
                            if (options.verify()) {
                                verifyList.add(job);
                            }
                            if (batch[0].files >= BATCH_FILES || batch[0].bytes >= BATCH_BYTES) {
                                batch[0].run(pool);
                                batch[0] = new Batch();
                                verified[0] += verify(verifyList);
                            }
                        }
                        default -> {
                            Files.createDirectories(dest.getParent());
                            special(target, dest, node);
                            counts[2]++;
                        }
                    }
                } catch (IOException e) {
                    fail(dest + ": " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RepositoryException("restore interrupted");
                }
                return true;
            }, (dir, error) -> fail((dir.length == 0 ? "/" : "/" + new String(dir, StandardCharsets.UTF_8))
                    + ": cannot read directory listing, its entries are not restored: " + error.getMessage()));
            batch[0].run(pool);
            verified[0] += verify(verifyList);
        } finally {
            pool.shutdownNow();
        }
        for (Map.Entry<Path, Path> link : hardLinks) {
            try {
                if (Files.exists(link.getValue(), LinkOption.NOFOLLOW_LINKS)) {
                    Files.createLink(link.getKey(), link.getValue());
                } else {
                    fail(link.getKey() + ": hard-link target " + link.getValue() + " was not restored");
                }
            } catch (IOException e) {
                fail(link.getKey() + ": cannot create hard link: " + e.getMessage());
            }
        }
        // Deepest first: a directory's times are set after everything inside it was written.
        while (!directories.isEmpty()) {
            Map.Entry<Path, Node> dir = directories.pop();
            try {
                metadata.apply(dir.getKey(), dir.getValue());
            } catch (IOException e) {
                warn(dir.getKey() + ": cannot restore metadata: " + e.getMessage());
            }
        }
        return new RestoreResult(counts[0], counts[1], counts[2], bytesWritten.get(), List.copyOf(failures),
                (int) failureCount.get(), List.copyOf(warnings), verified[0]);
    }

    /** The files of one batch and the plan that reads their chunks. */
    private final class Batch {
        final RestoreBatch plan = new RestoreBatch(repo);
        final List<FileJob> jobs = new ArrayList<>();
        int files;
        long bytes;

        void add(FileJob job) throws IOException {
            Files.createFile(job.temp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            files++;
            bytes += job.node.size();
            if (job.chunks.isEmpty()) {
                finish(job);
                return;
            }
            String missing = plan.add(job);
            if (missing != null) {
                job.failure = missing;
                finish(job);
                return;
            }
            jobs.add(job);
        }

        void run(ExecutorService pool) throws InterruptedException {
            plan.run(pool, Restorer.this::finish);
        }
    }

    /** Completes a file: sets its length (trailing holes), metadata, and renames it into place. */
    private void finish(FileJob job) {
        try {
            if (job.failure != null) {
                Files.deleteIfExists(job.temp);
                fail(job.target + ": " + job.failure);
                return;
            }
            try (FileChannel ch = FileChannel.open(job.temp, StandardOpenOption.WRITE)) {
                if (ch.size() < job.node.size()) {
                    // A zero tail was skipped; writing only its last byte keeps the rest a hole.
                    // (RandomAccessFile.setLength would need a String path, lossy for non-UTF-8 names.)
                    ch.write(ByteBuffer.wrap(new byte[1]), job.node.size() - 1);
                }
            }
            metadata.apply(job.temp, job.node);
            Files.move(job.temp, job.target, StandardCopyOption.ATOMIC_MOVE);
            bytesWritten.addAndGet(job.node.size());
            filesDone.incrementAndGet();
        } catch (IOException e) {
            try {
                Files.deleteIfExists(job.temp);
            } catch (IOException ignored) {
                // The failure below is what matters.
            }
            fail(job.target + ": " + e.getMessage());
        }
    }

    /** Re-reads restored files and checks every chunk against its id. Returns files verified. */
    private long verify(List<FileJob> jobs) {
        long n = 0;
        for (FileJob job : jobs) {
            if (job.failure != null || !Files.exists(job.target, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (InputStream in = Files.newInputStream(job.target)) {
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
            } catch (IOException e) {
                fail(job.target + ": verification failed: " + e.getMessage());
            }
        }
        jobs.clear();
        return n;
    }

    private void special(Path target, Path dest, Node node) throws IOException, InterruptedException {
        if (node.type() == NodeType.SYMLINK) {
            Files.createSymbolicLink(dest, RawPaths.fromBytes(node.linkTarget()));
            metadata.apply(dest, node);
            return;
        }
        // mkfifo/mknod/touch take the path as a string, which cannot carry a name that is not
        // UTF-8: make the node under an ASCII name at the target root, then rename it into place.
        Path temp = target.resolve(TEMP_PREFIX + "special-" + tempCounter.incrementAndGet());
        switch (node.type()) {
            case FIFO -> run("mkfifo", temp);
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                if (!options.restoreOwner()) {
                    warn(dest + ": device node not restored (needs root)");
                    return;
                }
                long rdev = node.rdev();
                run("mknod", temp, node.type() == NodeType.CHAR_DEVICE ? "c" : "b",
                        Long.toString((rdev >>> 8) & 0xfff | ((rdev >>> 32) & ~0xfffL)),
                        Long.toString((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
            }
            default -> {
                warn(dest + ": socket not restored (sockets are created by their server)");
                return;
            }
        }
        try {
            metadata.apply(temp, node);
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void run(String command, Path dest, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(command);
        cmd.add(dest.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(command + " failed: " + out);
        }
    }

    private static void prepareTarget(Path target) {
        try {
            if (Files.exists(target)) {
                if (!Files.isDirectory(target)) {
                    throw new RepositoryException("restore target " + target + " exists and is not a directory");
                }
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                    if (entries.iterator().hasNext()) {
                        throw new RepositoryException("restore target " + target + " is not empty; restore into an empty or new directory");
                    }
                }
            }
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new RepositoryException("cannot create restore target " + target + ": " + e.getMessage());
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

    /** Include patterns: a glob ("**.txt") or a path prefix ("docs/reports"). */
    static final class Includes {
        private final List<String> prefixes = new ArrayList<>();
        private final List<PathMatcher> globs = new ArrayList<>();

        Includes(List<String> patterns) {
            for (String p : patterns) {
                String clean = p.replaceAll("^/+", "").replaceAll("/+$", "");
                if (clean.matches(".*[*?\\[{].*")) {
                    globs.add(FileSystems.getDefault().getPathMatcher("glob:" + clean));
                } else {
                    prefixes.add(clean);
                }
            }
        }

        boolean selects(String path) {
            if (prefixes.isEmpty() && globs.isEmpty()) {
                return true;
            }
            for (String p : prefixes) {
                if (path.equals(p) || path.startsWith(p + "/")) {
                    return true;
                }
            }
            for (PathMatcher g : globs) {
                if (g.matches(Path.of(path))) {
                    return true;
                }
            }
            return false;
        }

        /** Whether a directory might contain selected entries, so the walk must descend. */
        boolean mayContain(String dir) {
            if (!globs.isEmpty()) {
                return true;
            }
            for (String p : prefixes) {
                if (p.startsWith(dir + "/")) {
                    return true;
                }
            }
            return false;
        }
    }
}
