package dr.summit.files.restore;

import dr.summit.repository.tree.Node;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** One file being restored: written under {@code temp}, renamed to {@code target} when complete. */
final class FileJob {
    final Path target;
    final Path temp;
    final Node node;
    final AtomicInteger remainingChunks;
    volatile String failure;

    FileJob(Path target, Path temp, Node node) {
        this.target = target;
        this.temp = temp;
        this.node = node;
        this.remainingChunks = new AtomicInteger(node.content().size());
    }
}
