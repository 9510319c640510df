package dr.summit.files.restore;

import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One file being restored: written under {@code temp}, renamed to {@code target} when complete. */
final class FileJob {
    final Path target;
    final Path temp;
    final Node node;
    /** The file's data chunks, resolved from CHUNK_LIST blobs for huge files. */
    final List<ChunkRef> chunks;
    final AtomicInteger remainingChunks;
    volatile String failure;

    FileJob(Path target, Path temp, Node node, List<ChunkRef> chunks) {
        this.target = target;
        this.temp = temp;
        this.node = node;
        this.chunks = chunks;
        this.remainingChunks = new AtomicInteger(chunks.size());
    }
}
