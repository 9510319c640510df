package dr.summit.files.bucket;

import dr.summit.files.backup.Archiver;
import dr.summit.files.backup.BackupCounters;
import dr.summit.files.backup.FileContentSaver;
import dr.summit.files.backup.TreeParts;
import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.s3.S3Bucket;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;
import dr.summit.repository.tree.Xattr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Snapshots the objects of a bucket (or a prefix of one): key, content, content type, user
 * metadata, ETag and last-modified, as a tree of directories and files (see {@link BucketNames}).
 * Objects whose size, ETag and last-modified equal the parent snapshot's are not downloaded again.
 * Keys arrive in S3's sorted order, so one directory is open per level and memory does not grow
 * with the bucket, only with the widest directory.
 */
public final class BucketArchiver {
    public static final String KIND = "s3";
    static final String KEY = "user.s3.key";
    static final String ETAG = "user.s3.etag";
    static final String CONTENT_TYPE = "user.s3.content-type";
    static final String META = "user.s3.meta.";

    private final Repository repo;
    private final Archiver.Options options;
    private final BackupCounters counters = new BackupCounters();

    public BucketArchiver(Repository repo, Archiver.Options options) {
        this.repo = repo;
        this.options = options;
    }

    public BackupCounters counters() {
        return counters;
    }

    /** One open directory: its name, the parent snapshot's entries there, and the entries so far. */
    private static final class Frame {
        final String name;
        final Map<String, Node> before;
        final List<CompletableFuture<Node>> children = new ArrayList<>();
        final Set<String> directories = new HashSet<>();

        Frame(String name, Map<String, Node> before) {
            this.name = name;
            this.before = before;
        }
    }

    public Snapshot backup(BucketSource bucket, Snapshot parent) throws InterruptedException {
        long started = System.nanoTime();
        Instant startTime = Instant.now();
        ExecutorService workers = Executors.newFixedThreadPool(options.workers(), daemon("summit-worker"));
        ExecutorService readers = Executors.newFixedThreadPool(Math.max(4, options.readers()), daemon("summit-s3-reader"));
        Semaphore inFlight = new Semaphore(Math.max(4, options.readers()) * 4);
        String rootName = bucket.name();
        try (BlobSaver saver = repo.newBlobSaver(2)) {
            FileContentSaver content = new FileContentSaver(repo.chunker(), saver, workers,
                    FileContentSaver.bytesInFlight(repo.chunker(), options.workers()), counters);
            Deque<Frame> stack = new ArrayDeque<>();
            Map<String, Node> parentRoot = parent == null ? Map.of() : byName(repo.loadTree(BlobId.parse(parent.tree())));
            Node parentTop = parentRoot.get(rootName);
            stack.push(new Frame(rootName, parentTop == null ? Map.of() : byName(repo.loadDirectory(parentTop.subtrees()))));
            List<String> openPath = new ArrayList<>();
            String prefix = bucket.keyPrefix();
            bucket.forEach(object -> {
                String[] parts = object.key().substring(prefix.length()).split("/", -1);
                List<String> dirs = new ArrayList<>();
                for (int i = 0; i < parts.length - 1; i++) {
                    dirs.add(BucketNames.escape(parts[i]));
                }
                int common = 0;
                while (common < openPath.size() && common < dirs.size() && openPath.get(common).equals(dirs.get(common))) {
                    common++;
                }
                while (openPath.size() > common) {
                    close(stack, saver);
                    openPath.remove(openPath.size() - 1);
                }
                for (int i = common; i < dirs.size(); i++) {
                    Frame top = stack.peek();
                    Node before = top.before.get(dirs.get(i));
                    top.directories.add(dirs.get(i));
                    stack.push(new Frame(dirs.get(i), before == null || before.type() != NodeType.DIRECTORY ? Map.of()
                            : byName(repo.loadDirectory(before.subtrees()))));
                    openPath.add(dirs.get(i));
                }
                Frame top = stack.peek();
                String name = BucketNames.escape(parts[parts.length - 1]);
                Node previous = top.before.get(name);
                if (previous == null || previous.type() != NodeType.FILE) {
                    // Stored under the conflict name when the key is also a prefix ("a" beside "a/b").
                    previous = top.before.get(name + BucketNames.CONFLICT_SUFFIX);
                }
                Node found = previous;
                inFlight.acquire();
                top.children.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return object(bucket, object, name, found, content, saver);
                    } finally {
                        inFlight.release();
                    }
                }, readers));
            });
            while (stack.size() > 1) {
                close(stack, saver);
            }
            Node top = directoryNode(stack.pop(), saver);
            BlobId rootTree = saver.save(BlobType.TREE, TreeCodec.encode(List.of(top))).id();
            saver.flush();
            Snapshot.Summary summary = new Snapshot.Summary(counters.files.get(), counters.directories.get(), 0,
                    counters.totalBytes.get(), counters.newFiles.get(), counters.changedFiles.get(), counters.unchangedFiles.get(),
                    counters.bytesRead.get(), saver.newBlobs(), saver.newBytes(), saver.storedBytes(), 0, 0,
                    (System.nanoTime() - started) / 1_000_000);
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("s3.bucket", bucket.name());
            attributes.put("s3.prefix", prefix);
            attributes.put("s3.endpoint", bucket.endpoint());
            Snapshot snapshot = new Snapshot(null, Snapshot.VERSION, KIND, startTime, options.host(), options.username(),
                    List.of(bucket.location()), options.tags(), rootTree.hex(), parent == null ? null : parent.id(),
                    options.program(), summary, attributes);
            return repo.saveSnapshot(snapshot);
        } finally {
            readers.shutdownNow();
            workers.shutdownNow();
        }
    }

    private void close(Deque<Frame> stack, BlobSaver saver) throws InterruptedException {
        Frame done = stack.pop();
        Frame parent = stack.peek();
        parent.children.add(CompletableFuture.completedFuture(directoryNode(done, saver)));
    }

    private Node directoryNode(Frame frame, BlobSaver saver) throws InterruptedException {
        List<Node> nodes = new ArrayList<>();
        for (CompletableFuture<Node> child : frame.children) {
            Node node = await(child);
            if (node.type() == NodeType.FILE && frame.directories.contains(new String(node.name(), StandardCharsets.UTF_8))) {
                node = renamed(node, new String(node.name(), StandardCharsets.UTF_8) + BucketNames.CONFLICT_SUFFIX);
            }
            nodes.add(node);
        }
        nodes.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
        counters.directories.incrementAndGet();
        Node dir = new Node(NodeType.DIRECTORY, frame.name.getBytes(StandardCharsets.UTF_8), 0755, 0, 0, "", "",
                0, 0, 0, 0, 0, 0, 1, 0, 0, null, List.of(), 0, List.of(), List.of());
        return dir.withSubtrees(TreeParts.save(saver, nodes));
    }

    private Node object(BucketSource bucket, S3Bucket.ObjectInfo object, String name, Node previous, FileContentSaver content,
                        BlobSaver saver) {
        counters.files.incrementAndGet();
        counters.totalBytes.addAndGet(object.size());
        if (previous != null && unchanged(previous, object)) {
            counters.unchangedFiles.incrementAndGet();
            counters.unchangedBytes.addAndGet(object.size());
            return renamed(previous, name);
        }
        (previous == null ? counters.newFiles : counters.changedFiles).incrementAndGet();
        S3Bucket.Download download = bucket.get(object.key());
        FileContentSaver.Content read;
        try {
            read = content.save(download.content());
        } catch (IOException e) {
            throw new RepositoryException("cannot read object " + object.key() + " from " + bucket + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepositoryException("interrupted while reading " + object.key());
        }
        if (read.size() != object.size()) {
            throw new RepositoryException("object " + object.key() + " in " + bucket + " changed while it was read ("
                    + object.size() + " bytes listed, " + read.size() + " read); run the backup again");
        }
        List<Xattr> xattrs = new ArrayList<>();
        xattrs.add(xattr(KEY, object.key()));
        if (object.etag() != null) {
            xattrs.add(xattr(ETAG, object.etag()));
        }
        if (download.contentType() != null) {
            xattrs.add(xattr(CONTENT_TYPE, download.contentType()));
        }
        download.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(m -> xattrs.add(xattr(META + m.getKey(), m.getValue())));
        Instant modified = object.lastModified() == null ? Instant.EPOCH : object.lastModified();
        Node node = new Node(NodeType.FILE, name.getBytes(StandardCharsets.UTF_8), 0644, 0, 0, "", "",
                modified.getEpochSecond(), modified.getNano(), modified.getEpochSecond(), modified.getNano(),
                0, 0, 1, object.size(), 0, null, xattrs, 0, List.of(), List.of());
        return TreeParts.withContent(saver, repo.config().chunkerMax(), options.maxDirectChunks(), node, read.chunks(), read.size(), 0);
    }

    private boolean unchanged(Node previous, S3Bucket.ObjectInfo object) {
        Instant modified = object.lastModified() == null ? Instant.EPOCH : object.lastModified();
        if (previous.type() != NodeType.FILE || previous.size() != object.size() || previous.mtimeSeconds() != modified.getEpochSecond()
                || previous.mtimeNanos() != modified.getNano() || !object.key().equals(value(previous, KEY))
                || (object.etag() != null && !object.etag().equals(value(previous, ETAG)))) {
            return false;
        }
        for (ChunkRef ref : previous.content()) {
            if (!repo.index().contains(ref.id())) {
                return false;   // pruned meanwhile: store the content again
            }
        }
        return true;
    }

    static String value(Node node, String xattr) {
        for (Xattr x : node.xattrs()) {
            if (x.name().equals(xattr)) {
                return new String(x.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static Xattr xattr(String name, String value) {
        return new Xattr(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Node renamed(Node node, String name) {
        return new Node(node.type(), name.getBytes(StandardCharsets.UTF_8), node.mode(), node.uid(), node.gid(), node.user(), node.group(),
                node.mtimeSeconds(), node.mtimeNanos(), node.ctimeSeconds(), node.ctimeNanos(), node.inode(), node.device(),
                node.links(), node.size(), node.rdev(), node.linkTarget(), node.xattrs(), node.flags(), node.content(), node.subtrees());
    }

    private static Map<String, Node> byName(List<Node> nodes) {
        Map<String, Node> map = new HashMap<>();
        for (Node n : nodes) {
            map.put(new String(n.name(), StandardCharsets.UTF_8), n);
        }
        return map;
    }

    private static Node await(CompletableFuture<Node> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new RepositoryException(e.getCause().getMessage(), e.getCause());
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
