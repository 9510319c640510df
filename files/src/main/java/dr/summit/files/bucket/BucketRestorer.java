package dr.summit.files.bucket;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.s3.S3Bucket;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.Xattr;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the objects of a bucket snapshot back to a bucket/prefix: each object under its original
 * key with the snapshot's prefix replaced by the target's, with its content type and user metadata.
 * Content is streamed chunk by chunk (memory does not grow with object size). S3 sets
 * last-modified itself; the original is kept in the snapshot.
 */
public final class BucketRestorer {
    private final Repository repo;
    private final int parallel;

    public BucketRestorer(Repository repo, int parallel) {
        this.repo = repo;
        this.parallel = parallel;
    }

    public record Result(long objects, long bytes) {
    }

    public Result restore(Snapshot snapshot, S3Bucket target) throws InterruptedException {
        if (!BucketArchiver.KIND.equals(snapshot.kind())) {
            throw new RepositoryException("snapshot " + snapshot.shortId() + " is a '" + snapshot.kind()
                    + "' snapshot; only bucket snapshots restore to a bucket (restore it to a directory)");
        }
        String fromPrefix = snapshot.attribute("s3.prefix") == null ? "" : snapshot.attribute("s3.prefix");
        String toPrefix = target.location().keyPrefix();
        AtomicLong objects = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "summit-s3-writer");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(parallel * 2);
        List<Future<?>> pending = new ArrayList<>();
        try {
            for (Node top : repo.loadTree(BlobId.parse(snapshot.tree()))) {
                walk(top, node -> {
                    String key = BucketArchiver.value(node, BucketArchiver.KEY);
                    if (key == null || !key.startsWith(fromPrefix)) {
                        throw new RepositoryException("object '" + node.displayName() + "' in snapshot " + snapshot.shortId() + " has no stored key");
                    }
                    String targetKey = toPrefix + key.substring(fromPrefix.length());
                    inFlight.acquire();
                    pending.add(pool.submit(() -> {
                        try {
                            put(target, targetKey, node);
                            objects.incrementAndGet();
                            bytes.addAndGet(node.size());
                        } finally {
                            inFlight.release();
                        }
                    }));
                });
            }
            for (Future<?> f : pending) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new RepositoryException(e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(objects.get(), bytes.get());
    }

    private interface FileVisitor {
        void visit(Node file) throws InterruptedException;
    }

    private void walk(Node node, FileVisitor visitor) throws InterruptedException {
        if (node.type() == NodeType.DIRECTORY) {
            for (Node child : repo.loadDirectory(node.subtrees())) {
                walk(child, visitor);
            }
        } else if (node.type() == NodeType.FILE) {
            visitor.visit(node);
        }
    }

    private void put(S3Bucket target, String key, Node node) {
        Map<String, String> metadata = new LinkedHashMap<>();
        String contentType = null;
        for (Xattr x : node.xattrs()) {
            String value = new String(x.value(), StandardCharsets.UTF_8);
            if (x.name().equals(BucketArchiver.CONTENT_TYPE)) {
                contentType = value;
            } else if (x.name().startsWith(BucketArchiver.META)) {
                metadata.put(x.name().substring(BucketArchiver.META.length()), value);
            }
        }
        List<ChunkRef> chunks = repo.fileChunks(node);
        target.put(key, node.size(), () -> new ChunksInputStream(chunks.iterator()), contentType, metadata);
    }

    /** The content of a file, loading one chunk at a time. */
    private final class ChunksInputStream extends InputStream {
        private final Iterator<ChunkRef> chunks;
        private InputStream current = InputStream.nullInputStream();

        ChunksInputStream(Iterator<ChunkRef> chunks) {
            this.chunks = chunks;
        }

        private boolean advance() {
            if (!chunks.hasNext()) {
                return false;
            }
            current = new ByteArrayInputStream(repo.loadBlob(BlobType.DATA, chunks.next().id()));
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                int n = current.read(b, off, len);
                if (n >= 0) {
                    return n;
                }
                if (!advance()) {
                    return -1;
                }
            }
        }
    }
}
