package dr.summit.files.backup;

import dr.summit.files.fs.NodeReader;
import dr.summit.files.fs.RawPaths;
import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.ContentLists;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backs up directory trees into a snapshot.
 *
 * <p>Walker threads list directories depth-first and read metadata; files that changed since
 * the parent snapshot go to reader threads, which chunk them and hand chunks to worker threads
 * (hash, compress, encrypt, pack). A directory's tree is written when all its entries are done, so
 * trees are stored bottom-up and the snapshot, written last after every pack and index, commits
 * the backup (docs/architecture.md, "Write order"). Semaphores bound the files and chunks in
 * flight: memory does not grow with file size or file count.
 */
public final class Archiver {
    /** Tree parts stay well below the 16 MiB object limit; a huge directory becomes several parts. */
    private static final int MAX_KEPT_WARNINGS = 1000;

    private final Repository repo;
    private final Options options;
    private final BackupCounters counters = new BackupCounters();
    private final List<BackupWarning> warnings = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger warningCount = new AtomicInteger();
    private final NodeReader nodeReader;

    /**
     * @param workers  threads that hash, compress and encrypt chunks (default: all cores)
     * @param readers  threads that read and chunk files
     * @param excluded absolute paths not to back up (e.g. the repository itself)
     */
    public record Options(int workers, int readers, boolean xattrs, String host, String username, List<String> tags,
                          Set<Path> excluded, String program, int maxDirectChunks, Layout layout) {
        public static Options defaults(String host, String username, String program) {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Options(cores, Math.max(2, Math.min(4, cores)), true, host, username, List.of(), Set.of(), program,
                    ContentLists.MAX_DIRECT_CHUNKS, Layout.DEFAULT);
        }

        public Options withTags(List<String> newTags) {
            return new Options(workers, readers, xattrs, host, username, newTags, excluded, program, maxDirectChunks, layout);
        }

        public Options withExcluded(Set<Path> paths) {
            return new Options(workers, readers, xattrs, host, username, tags, paths, program, maxDirectChunks, layout);
        }

        public Options withThreads(int newWorkers, int newReaders) {
            return new Options(newWorkers, newReaders, xattrs, host, username, tags, excluded, program, maxDirectChunks, layout);
        }

        /** Files with more chunks keep their chunk list in CHUNK_LIST blobs; lowered by tests. */
        public Options withMaxDirectChunks(int n) {
            return new Options(workers, readers, xattrs, host, username, tags, excluded, program, n, layout);
        }

        /** Source-specific rules: what to skip, which files to cut into fixed-size chunks. */
        public Options withLayout(Layout newLayout) {
            return new Options(workers, readers, xattrs, host, username, tags, excluded, program, maxDirectChunks, newLayout);
        }
    }

    /**
     * How a source wants its tree read: entries to leave out (e.g. PostgreSQL's pg_wal contents)
     * and files to cut at fixed offsets instead of content-defined boundaries (relation files,
     * whose unchanged 8 KiB pages then deduplicate against earlier backups).
     *
     * @param kind       snapshot kind to record ("files", "postgres", …)
     * @param fuzzyCopy  the source is made consistent by a redo log (PostgreSQL WAL): files that
     *                   change or vanish while read are expected, read once, and not reported
     * @param inspector  sees every fixed-size chunk as it is read (PostgreSQL page checksums), or null
     * @param reuse      says which fixed-size chunks of a changed file may be taken from the parent
     *                   snapshot unread (PostgreSQL: from the WAL's block references), or null
     */
    public record Layout(String kind, java.util.function.Predicate<Path> skip, java.util.function.Predicate<Path> fixedChunks,
                         int fixedChunkSize, boolean fuzzyCopy, ChunkInspector inspector, ChunkReuse reuse) {
        public static final Layout DEFAULT = new Layout("files", p -> false, p -> false, 0, false, null, null);

        /** A layout that reads every changed file whole. */
        public Layout(String kind, java.util.function.Predicate<Path> skip, java.util.function.Predicate<Path> fixedChunks,
                      int fixedChunkSize, boolean fuzzyCopy, ChunkInspector inspector) {
            this(kind, skip, fixedChunks, fixedChunkSize, fuzzyCopy, inspector, null);
        }

        public Layout withReuse(ChunkReuse newReuse) {
            return new Layout(kind, skip, fixedChunks, fixedChunkSize, fuzzyCopy, inspector, newReuse);
        }
    }

    /**
     * Knows, for a fixed-chunk file that changed since the parent snapshot, which of its chunks did
     * not change: those are referenced from the parent and not read. Called on reader threads.
     */
    public interface ChunkReuse {
        /**
         * The chunk indexes that may be taken from {@code parent} for {@code file} of {@code size}
         * bytes, or null to read the whole file (whenever in doubt).
         */
        java.util.function.IntPredicate unchangedChunks(Path file, long size, Node parent);
    }

    /** Looks at file content while it streams by, without a second read. Called on reader threads. */
    @FunctionalInterface
    public interface ChunkInspector {
        void inspect(Path file, long offset, byte[] chunk);
    }

    /** The committed snapshot and what could not be captured exactly. */
    public record Result(Snapshot snapshot, List<BackupWarning> warnings, int warningCount) {
    }

    public Archiver(Repository repo, Options options) {
        this.repo = repo;
        this.options = options;
        this.nodeReader = new NodeReader(options.xattrs());
    }

    public BackupCounters counters() {
        return counters;
    }

    /**
     * Backs up {@code paths} (each stored in the root under its own base name) and commits a
     * snapshot. Files whose size, mtime, ctime and inode match {@code parent} are not read.
     */
    public Result backup(List<Path> paths, Snapshot parent) throws InterruptedException {
        return backup(paths, parent, java.util.function.UnaryOperator.identity());
    }

    /**
     * Like {@link #backup(List, Snapshot)}, with {@code beforeCommit} called after every pack and
     * index is durable and before the snapshot is written: it may add attributes, or throw to
     * abandon the snapshot (PostgreSQL's pg_backup_stop runs there).
     */
    public Result backup(List<Path> paths, Snapshot parent, java.util.function.UnaryOperator<Snapshot> beforeCommit)
            throws InterruptedException {
        return backup(paths, null, parent, beforeCommit);
    }

    /**
     * Like {@link #backup(List, Snapshot, java.util.function.UnaryOperator)}, with the name each path
     * gets at the snapshot root ({@code rootNames}, parallel to {@code paths}; null: base names).
     */
    public Result backup(List<Path> paths, List<String> rootNames, Snapshot parent,
                         java.util.function.UnaryOperator<Snapshot> beforeCommit) throws InterruptedException {
        long started = System.nanoTime();
        // The snapshot is dated when reading began: no file in it is older than that moment.
        Instant startTime = Instant.now();
        ExecutorService workers = Executors.newFixedThreadPool(options.workers(), daemon("summit-worker"));
        ExecutorService readers = Executors.newFixedThreadPool(options.readers(), daemon("summit-reader"));
        Semaphore filesInFlight = new Semaphore(options.readers() * 4);
        // LIFO per walker (asyncMode false): depth-first, so open directories stay few.
        ForkJoinPool walkers = new ForkJoinPool(Math.max(2, options.readers()), pool -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("summit-walker-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
        try (BlobSaver saver = repo.newBlobSaver(2)) {
            Walk walk = new Walk(saver, new FileContentSaver(repo.chunker(), saver, workers,
                    FileContentSaver.bytesInFlight(repo.chunker(), options.workers()), counters),
                    readers, filesInFlight, walkers);
            Map<ByteBuffer, Node> parentRoot = parent == null ? Map.of() : byName(repo.loadTree(BlobId.parse(parent.tree())));
            List<Path> absolute = paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
            List<CompletableFuture<Node>> roots = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < absolute.size(); i++) {
                Path path = absolute.get(i);
                byte[] name = rootNames != null ? rootNames.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        : path.getFileName() == null ? "root".getBytes() : RawPaths.nameBytes(path);
                Node node;
                try {
                    node = nodeReader.read(path, name);
                } catch (NoSuchFileException e) {
                    throw new RepositoryException("backup path " + path + " does not exist");
                } catch (IOException e) {
                    throw new RepositoryException("cannot read backup path " + path + ": " + e.getMessage());
                }
                names.add(new String(name, java.nio.charset.StandardCharsets.UTF_8));
                roots.add(walk.entry(path, node, parentRoot.get(ByteBuffer.wrap(name))));
            }
            if (names.stream().distinct().count() != names.size()) {
                throw new RepositoryException("backup paths must have distinct base names: " + names);
            }
            // Waited for interruptibly (join is not): the walk runs on the walker pool now, and an
            // interrupted backup must stop it (the finally block interrupts the pools).
            try {
                CompletableFuture.allOf(roots.toArray(CompletableFuture[]::new)).get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new CompletionException(e.getCause());
            }
            List<Node> rootNodes = new ArrayList<>(await(roots));
            rootNodes.removeIf(Objects::isNull);
            rootNodes.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
            BlobId rootTree = saver.save(BlobType.TREE, TreeCodec.encode(rootNodes)).id();
            saver.flush();
            Snapshot.Summary summary = new Snapshot.Summary(counters.files.get(), counters.directories.get(),
                    counters.others.get(), counters.totalBytes.get(), counters.newFiles.get(), counters.changedFiles.get(),
                    counters.unchangedFiles.get(), counters.bytesRead.get(), saver.newBlobs(), saver.newBytes(),
                    saver.storedBytes(), counters.changedDuringBackup.get(), counters.unreadable.get(),
                    (System.nanoTime() - started) / 1_000_000);
            Snapshot snapshot = new Snapshot(null, Snapshot.VERSION, options.layout().kind(), startTime, options.host(), options.username(),
                    absolute.stream().map(Path::toString).toList(), options.tags(), rootTree.hex(),
                    parent == null ? null : parent.id(), options.program(), summary);
            return new Result(repo.saveSnapshot(beforeCommit.apply(snapshot)), List.copyOf(warnings), warningCount.get());
        } finally {
            walkers.shutdownNow();
            readers.shutdownNow();
            workers.shutdownNow();
        }
    }

    private final class Walk {
        private final BlobSaver saver;
        private final FileContentSaver content;
        private final ExecutorService readers;
        private final Semaphore filesInFlight;
        private final ExecutorService walkers;

        Walk(BlobSaver saver, FileContentSaver content, ExecutorService readers, Semaphore filesInFlight, ExecutorService walkers) {
            this.walkers = walkers;
            this.saver = saver;
            this.content = content;
            this.readers = readers;
            this.filesInFlight = filesInFlight;
        }

        CompletableFuture<Node> entry(Path path, Node node, Node parentNode) throws InterruptedException {
            return switch (node.type()) {
                case DIRECTORY -> directory(path, node,
                        parentNode != null && parentNode.type() == NodeType.DIRECTORY ? parentNode.subtrees() : null);
                case FILE -> file(path, node, parentNode);
                default -> {
                    counters.others.incrementAndGet();
                    yield CompletableFuture.completedFuture(node);
                }
            };
        }

        private CompletableFuture<Node> directory(Path dir, Node meta, List<BlobId> parentParts) throws InterruptedException {
            counters.directories.incrementAndGet();
            List<byte[]> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    if (!options.excluded().contains(entry) && !options.layout().skip().test(entry)) {
                        names.add(RawPaths.nameBytes(entry));
                    }
                }
            } catch (IOException e) {
                warn(dir, "cannot list directory: " + e.getMessage());
                counters.unreadable.incrementAndGet();
            }
            names.sort(Arrays::compareUnsigned);
            Map<ByteBuffer, Node> parentNodes = parentParts == null ? Map.of() : byName(repo.loadDirectory(parentParts));
            List<CompletableFuture<Node>> children = new ArrayList<>(names.size());
            for (byte[] name : names) {
                // Stop walking as soon as the store failed: the run cannot commit anyway.
                saver.checkHealthy();
                Path child = RawPaths.resolve(dir, name);
                Node previous = parentNodes.get(ByteBuffer.wrap(name));
                Node node;
                try {
                    node = nodeReader.read(child, name, previous);
                } catch (NoSuchFileException e) {
                    if (!options.layout().fuzzyCopy()) {
                        warn(child, "vanished before its metadata could be read");
                        counters.unreadable.incrementAndGet();
                    }
                    continue;
                } catch (IOException e) {
                    warn(child, "cannot read metadata: " + e.getMessage());
                    counters.unreadable.incrementAndGet();
                    continue;
                }
                children.add(node.type() == NodeType.DIRECTORY ? subdirectory(child, node, previous) : entry(child, node, previous));
            }
            return CompletableFuture.allOf(children.toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<Node> nodes = new ArrayList<>(children.size());
                for (CompletableFuture<Node> c : children) {
                    Node n = c.join();
                    if (n != null) {
                        nodes.add(n);
                    }
                }
                return meta.withSubtrees(saveTreeParts(nodes));
            });
        }

        /**
         * A subdirectory is walked by the walker pool, not by this thread: listing and stat-ing
         * a small-file tree is one syscall after another, and one thread left the other cores
         * idle (profile in docs/benchmarks.md, "Small-file trees"). The pool takes the newest
         * task first, so each walker still goes depth-first and few directories are open at once.
         */
        private CompletableFuture<Node> subdirectory(Path path, Node node, Node parentNode) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return entry(path, node, parentNode);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CompletionException(e);
                }
            }, walkers).thenCompose(f -> f);
        }

        private List<BlobId> saveTreeParts(List<Node> nodes) {
            return TreeParts.save(saver, nodes);
        }

        private CompletableFuture<Node> file(Path path, Node node, Node parentNode) throws InterruptedException {
            counters.files.incrementAndGet();
            counters.totalBytes.addAndGet(node.size());
            if (unchanged(node, parentNode)) {
                counters.unchangedFiles.incrementAndGet();
                counters.unchangedBytes.addAndGet(node.size());
                return CompletableFuture.completedFuture(node.withContent(parentNode.content(), parentNode.size(),
                        parentNode.flags() & Node.INDIRECT_CONTENT));
            }
            (parentNode == null ? counters.newFiles : counters.changedFiles).incrementAndGet();
            filesInFlight.acquire();
            try {
                return CompletableFuture.supplyAsync(() -> readFile(path, node, parentNode), readers)
                        .whenComplete((n, e) -> filesInFlight.release());
            } catch (RuntimeException e) {
                filesInFlight.release();
                throw e;
            }
        }

        /**
         * Reads a file and checks it did not change meanwhile; a file that keeps changing is
         * stored as last read and flagged, so the snapshot says which files may be torn.
         */
        private Node readFile(Path path, Node before, Node parentNode) {
            try {
                Node after = before;
                FileContentSaver.Content read = null;
                for (int attempt = 0; attempt < 3; attempt++) {
                    boolean fixed = options.layout().fixedChunks().test(path);
                    java.util.function.IntPredicate reusable = fixed ? reusableChunks(path, before, parentNode) : null;
                    List<ChunkRef> parentChunks = reusable == null ? null : repo.fileChunks(parentNode);
                    read = reusable != null
                            // A pruned or lost blob must be stored again, not referenced.
                            ? content.saveChanged(path, options.layout().fixedChunkSize(), options.layout().inspector(),
                                    parentChunks, i -> reusable.test(i) && repo.index().contains(parentChunks.get(i).id()))
                            : content.save(path, fixed ? options.layout().fixedChunkSize() : 0,
                            fixed ? options.layout().inspector() : null);
                    if (options.layout().fuzzyCopy()) {
                        return withContent(before, read, 0);
                    }
                    after = nodeReader.read(path, before.name());
                    if (after.type() == NodeType.FILE && after.size() == read.size() && sameTimes(before, after)) {
                        return withContent(after, read, 0);
                    }
                    before = after;
                }
                counters.changedDuringBackup.incrementAndGet();
                warn(path, "file changed while it was read (3 attempts); stored as last read and flagged");
                return withContent(after, read, Node.CHANGED_DURING_BACKUP);
            } catch (NoSuchFileException e) {
                if (!options.layout().fuzzyCopy()) {
                    warn(path, "file vanished before it could be read");
                    counters.unreadable.incrementAndGet();
                }
                return null;
            } catch (IOException e) {
                warn(path, "cannot read file: " + e.getMessage());
                counters.unreadable.incrementAndGet();
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }

        /**
         * The parent's chunks this file may reuse unread, or null: only for a fuzzy copy (the redo
         * log repairs what changes while read), and only with a parent of the same kind of content.
         */
        private java.util.function.IntPredicate reusableChunks(Path path, Node now, Node parentNode) {
            ChunkReuse reuse = options.layout().reuse();
            if (reuse == null || !options.layout().fuzzyCopy() || parentNode == null || parentNode.type() != NodeType.FILE
                    || parentNode.changedDuringBackup()) {
                return null;
            }
            return reuse.unchangedChunks(path, now.size(), parentNode);
        }

        /** The node with its content; huge chunk lists go into CHUNK_LIST blobs (see ContentLists). */
        private Node withContent(Node node, FileContentSaver.Content read, int flags) {
            return TreeParts.withContent(saver, repo.config().chunkerMax(), options.maxDirectChunks(), node, read.chunks(), read.size(), flags);
        }

        private boolean unchanged(Node now, Node parentNode) {
            if (parentNode == null || parentNode.type() != NodeType.FILE || parentNode.changedDuringBackup()
                    || parentNode.size() != now.size() || parentNode.inode() != now.inode() || !sameTimes(parentNode, now)) {
                return false;
            }
            for (ChunkRef chunk : parentNode.content()) {
                // A pruned or lost blob must be stored again, not referenced.
                if (!repo.index().contains(chunk.id())) {
                    return false;
                }
            }
            return true;
        }
    }

    private static boolean sameTimes(Node a, Node b) {
        return a.mtimeSeconds() == b.mtimeSeconds() && a.mtimeNanos() == b.mtimeNanos()
                && a.ctimeSeconds() == b.ctimeSeconds() && a.ctimeNanos() == b.ctimeNanos();
    }

    private void warn(Path path, String message) {
        warningCount.incrementAndGet();
        if (warnings.size() < MAX_KEPT_WARNINGS) {
            warnings.add(new BackupWarning(path.toString(), message));
        }
    }

    private static Map<ByteBuffer, Node> byName(List<Node> nodes) {
        Map<ByteBuffer, Node> map = new HashMap<>(nodes.size() * 2);
        for (Node n : nodes) {
            map.put(ByteBuffer.wrap(n.name()), n);
        }
        return map;
    }

    private static <T> List<T> await(List<CompletableFuture<T>> futures) {
        try {
            return futures.stream().map(CompletableFuture::join).toList();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
