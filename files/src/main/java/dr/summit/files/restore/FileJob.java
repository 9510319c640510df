package dr.summit.files.restore;

import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One file being restored: written under {@code temp} in its directory {@code dir} (held open
 * until the file is finished), renamed to {@code name} there when complete.
 */
final class FileJob {
    private static final Set<OpenOption> CREATE_NOFOLLOW =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> WRITE_NOFOLLOW = Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_RW =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

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
    /** The temporary file exists: created by the first write (under this job's lock), or by finish. */
    private boolean created;
    /** A write reached the file's last byte, so its length is right without a check. */
    volatile boolean lengthReached;

    /**
     * The temporary file opened for writing; the first caller creates it (O_CREAT|O_EXCL, no
     * link followed, owner-only). Creating it here, on the worker that writes it, instead of on
     * the single thread that walks the snapshot, spreads one open per small file over all cores.
     */
    SeekableByteChannel open() throws IOException {
        synchronized (this) {
            if (!created) {
                SeekableByteChannel ch = dir.stream.newByteChannel(temp, CREATE_NOFOLLOW, OWNER_RW);
                created = true;
                return ch;
            }
        }
        return dir.stream.newByteChannel(temp, WRITE_NOFOLLOW);
    }

    synchronized boolean created() {
        return created;
    }

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
