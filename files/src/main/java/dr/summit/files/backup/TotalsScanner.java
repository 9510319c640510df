package dr.summit.files.backup;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Counts the files and bytes under the backup paths (metadata only) so that progress can show
 * an ETA. Runs beside the backup on its own thread; the backup never waits for it.
 */
public final class TotalsScanner implements Runnable {
    private final List<Path> paths;
    private final BackupCounters counters;

    public TotalsScanner(List<Path> paths, BackupCounters counters) {
        this.paths = paths;
        this.counters = counters;
    }

    @Override
    public void run() {
        long[] totals = {0, 0};
        for (Path root : paths) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (attrs.isRegularFile()) {
                            totals[0]++;
                            totals[1] += attrs.size();
                        }
                        return Thread.currentThread().isInterrupted() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
        counters.scannedFiles.set(totals[0]);
        counters.scannedBytes.set(totals[1]);
    }
}
