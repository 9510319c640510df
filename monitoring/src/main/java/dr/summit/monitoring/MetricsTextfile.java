package dr.summit.monitoring;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes metrics for node_exporter's textfile collector: into a temporary file next to the target,
 * then renamed over it, so the collector never reads half a file. Runs that share one file (a cron job
 * per source) take turns under a lock file and merge: each run starts from the previous content
 * ({@link DrMetrics#carryOver}), so counters keep counting and no series appears in two files (which
 * node_exporter refuses).
 */
public final class MetricsTextfile {
    private MetricsTextfile() {
    }

    /**
     * Merges the file's previous content into {@code metrics} and writes the result to {@code target}.
     *
     * @throws IOException when the directory cannot be written (the caller turns it into a warning)
     */
    public static void write(DrMetrics metrics, Path target) throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir == null ? file.toString() : dir.toString(), null, "no such directory");
        }
        // The lock file is not *.prom, so node_exporter ignores it.
        Path lockFile = dir.resolve("." + file.getFileName() + ".lock");
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockChannel.lock();   // released when the channel closes
            if (Files.isRegularFile(file)) {
                metrics.carryOver(Files.readString(file, StandardCharsets.UTF_8));
            }
            Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    metrics.writeText(out);
                }
                // node_exporter runs as another user: the file must be readable, and it holds no secret.
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
                lock.release();
            }
        }
    }
}
