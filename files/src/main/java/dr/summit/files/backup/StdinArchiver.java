package dr.summit.files.backup;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.BlobSaver;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * {@code backup --stdin}: one stream (a database dump piped in, a command's output) stored as one
 * file {@code NAME} at the snapshot root, so {@code ls}, {@code restore} and {@code diff} treat it as
 * any backed-up file. The snapshot's path is {@code /NAME}; its kind is {@code files}.
 */
public final class StdinArchiver {
    private final Repository repo;
    private final Archiver.Options options;
    private final BackupCounters counters = new BackupCounters();

    public StdinArchiver(Repository repo, Archiver.Options options) {
        this.repo = repo;
        this.options = options;
    }

    /** Refuses a name that is not one plain path component. */
    public static void checkName(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid --stdin-filename '" + name + "': give one file name without '/'");
        }
    }

    /**
     * Reads {@code in} to its end (and closes it), stores it as file {@code name}, and commits a
     * snapshot unless {@code beforeCommit} throws (e.g. the producing command failed).
     */
    public Snapshot backup(InputStream in, String name, UnaryOperator<Snapshot> beforeCommit) throws InterruptedException {
        checkName(name);
        long started = System.nanoTime();
        Instant startTime = Instant.now();
        ExecutorService workers = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, "summit-worker");
            t.setDaemon(true);
            return t;
        });
        try (BlobSaver saver = repo.newBlobSaver(2)) {
            FileContentSaver content = new FileContentSaver(repo.chunker(), saver, workers,
                    FileContentSaver.bytesInFlight(repo.chunker(), options.workers()), counters);
            FileContentSaver.Content read;
            try {
                read = content.save(in);
            } catch (IOException e) {
                throw new RepositoryException("reading standard input: " + e.getMessage());
            }
            Instant now = Instant.now();
            Node file = new Node(NodeType.FILE, name.getBytes(StandardCharsets.UTF_8), 0600, 0, 0, "", "",
                    now.getEpochSecond(), now.getNano(), now.getEpochSecond(), now.getNano(), 0, 0, 1, read.size(), 0,
                    null, List.of(), 0, List.of(), List.of());
            file = TreeParts.withContent(saver, repo.config().chunkerMax(), options.maxDirectChunks(), file, read.chunks(), read.size(), 0);
            BlobId rootTree = saver.save(BlobType.TREE, TreeCodec.encode(List.of(file))).id();
            saver.flush();
            Snapshot.Summary summary = new Snapshot.Summary(1, 0, 0, read.size(), 1, 0, 0, read.size(), saver.newBlobs(),
                    saver.newBytes(), saver.storedBytes(), 0, 0, (System.nanoTime() - started) / 1_000_000);
            Snapshot snapshot = new Snapshot(null, Snapshot.VERSION, "files", startTime, options.host(), options.username(),
                    List.of("/" + name), options.tags(), rootTree.hex(), null, options.program(), summary);
            return repo.saveSnapshot(beforeCommit.apply(snapshot));
        } finally {
            workers.shutdownNow();
        }
    }
}
