package dr.summit.neo4j.backup;

import dr.summit.files.backup.BackupCounters;
import dr.summit.files.backup.FileContentSaver;
import dr.summit.files.backup.TreeParts;
import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A Neo4j backup's content: a few named streams (export, changes, schema) stored as files at the
 * root of one snapshot tree, each cut by the repository's content-defined chunker so an unchanged
 * graph deduplicates against the previous full. Streams are produced by a writer callback and piped
 * into the chunker: nothing is staged on disk.
 */
public final class BackupFiles implements AutoCloseable {
    public static final String EXPORT = "export.graph";
    public static final String CHANGES = "changes.graph";
    public static final String SCHEMA = "schema.cypher";
    private static final int MAX_DIRECT_CHUNKS = 1000;

    /** Writes one stream's content. */
    public interface Producer {
        void write(OutputStream out) throws IOException;
    }

    private final Repository repo;
    private final BlobSaver saver;
    private final ExecutorService workers;
    private final ExecutorService producers = Executors.newSingleThreadExecutor(r -> daemon(r, "summit-neo4j-producer"));
    private final FileContentSaver content;
    private final BackupCounters counters = new BackupCounters();
    private final List<Node> nodes = new ArrayList<>();
    private long bytes;

    public BackupFiles(Repository repo) {
        this.repo = repo;
        this.saver = repo.newBlobSaver(2);
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.workers = Executors.newFixedThreadPool(threads, r -> daemon(r, "summit-worker"));
        this.content = new FileContentSaver(repo.chunker(), saver, workers, FileContentSaver.bytesInFlight(repo.chunker(), threads), counters);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stores what {@code producer} writes as file {@code name}; returns its size. */
    public long add(String name, Producer producer) throws IOException, InterruptedException {
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        Future<?> writing = producers.submit(() -> {
            try (OutputStream o = out) {
                producer.write(o);
            }
            return null;
        });
        FileContentSaver.Content read;
        try {
            read = content.save(in);
        } finally {
            in.close();
        }
        try {
            writing.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(cause);
        }
        Instant now = Instant.now();
        Node file = new Node(NodeType.FILE, name.getBytes(StandardCharsets.UTF_8), 0600, 0, 0, "", "",
                now.getEpochSecond(), now.getNano(), now.getEpochSecond(), now.getNano(), 0, 0, 1, read.size(), 0,
                null, List.of(), 0, List.of(), List.of());
        nodes.add(TreeParts.withContent(saver, repo.config().chunkerMax(), MAX_DIRECT_CHUNKS, file, read.chunks(), read.size(), 0));
        bytes += read.size();
        return read.size();
    }

    public long add(String name, byte[] data) throws IOException, InterruptedException {
        return add(name, out -> new ByteArrayInputStream(data).transferTo(out));
    }

    /** Saves the tree and commits the snapshot (the backup exists from this moment on). */
    public Snapshot commit(Snapshot.Summary summaryTemplate, Snapshot template) {
        nodes.sort(Comparator.comparing(n -> new String(n.name(), StandardCharsets.UTF_8)));
        BlobId root = saver.save(BlobType.TREE, TreeCodec.encode(nodes)).id();
        saver.flush();
        Snapshot.Summary s = new Snapshot.Summary(nodes.size(), 0, 0, bytes, nodes.size(), 0, 0, bytes, saver.newBlobs(),
                saver.newBytes(), saver.storedBytes(), 0, 0, summaryTemplate.durationMillis());
        return repo.saveSnapshot(new Snapshot(null, Snapshot.VERSION, template.kind(), template.time(), template.host(),
                template.username(), template.paths(), template.tags(), root.hex(), template.parent(), template.program(), s,
                template.attributes()));
    }

    public long bytes() {
        return bytes;
    }

    public long newBytes() {
        return saver.newBytes();
    }

    @Override
    public void close() {
        producers.shutdownNow();
        workers.shutdownNow();
        saver.close();
    }

    /** The content of file {@code name} of a Neo4j backup snapshot, or null when it has none. */
    public static InputStream open(Repository repo, Snapshot snapshot, String name) {
        for (Node n : repo.loadTree(BlobId.parse(snapshot.tree()))) {
            if (n.type() == NodeType.FILE && new String(n.name(), StandardCharsets.UTF_8).equals(name)) {
                return new ChunksInputStream(repo, repo.fileChunks(n).iterator());
            }
        }
        return null;
    }

    /** Loads one chunk at a time. */
    private static final class ChunksInputStream extends InputStream {
        private final Repository repo;
        private final Iterator<ChunkRef> chunks;
        private InputStream current = InputStream.nullInputStream();

        ChunksInputStream(Repository repo, Iterator<ChunkRef> chunks) {
            this.repo = repo;
            this.chunks = chunks;
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
                if (!chunks.hasNext()) {
                    return -1;
                }
                try {
                    current = new ByteArrayInputStream(repo.loadBlob(BlobType.DATA, chunks.next().id()));
                } catch (RepositoryException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
    }
}
