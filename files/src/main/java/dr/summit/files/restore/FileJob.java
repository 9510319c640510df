package dr.summit.files.restore;

import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One file being restored: written under {@code temp} in its directory {@code dir} (held open
 * until the file is finished), renamed to {@code name} there when complete.
 */
final class FileJob {
    /** The full path, for messages. */
    final Path target;
    /** Key of the directory in {@link TargetDirectories}, to open it again (verification). */
    final String dirKey;
    final OpenDirectory dir;
    final Path name;
    final Path temp;
    final Node node;
    /** The file's data chunks, resolved from CHUNK_LIST blobs for huge files. */
    final List<ChunkRef> chunks;
    final AtomicInteger remainingChunks;
    volatile String failure;

    FileJob(Path target, OpenDirectory dir, Path name, Path temp, Node node, List<ChunkRef> chunks) {
        this.target = target;
        this.dirKey = dir.key;
        this.dir = dir;
        this.name = name;
        this.temp = temp;
        this.node = node;
        this.chunks = chunks;
        this.remainingChunks = new AtomicInteger(chunks.size());
    }
}
