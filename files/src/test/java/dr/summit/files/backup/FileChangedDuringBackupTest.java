package dr.summit.files.backup;

import static dr.summit.files.FilesTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.restore.RestoreResult;
import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.tree.Node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that keeps changing while it is read is stored as last read, reported as a warning and
 * flagged in the snapshot; the snapshot still restores, and the next backup reads the file again.
 */
class FileChangedDuringBackupTest {
    private static final int INITIAL_SIZE = 16 * 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void fileAppendedToDuringTheBackupIsFlaggedAndTheSnapshotRestores() throws Exception {
        Path source = tmp.resolve("data");
        Path repoDir = tmp.resolve("repo");
        Random random = new Random(7);
        Path growing = writeRandom(source.resolve("logs/growing.log"), random, INITIAL_SIZE);
        writeRandom(source.resolve("stable.bin"), random, 300_000);
        Files.writeString(source.resolve("logs/quiet.txt"), "not changing\n");
        FilesTestSupport.init(repoDir);

        Appender appender = new Appender(growing);
        appender.start();
        Archiver.Result result;
        try {
            assertThat(appender.started.await(10, TimeUnit.SECONDS)).isTrue();
            result = FilesTestSupport.backup(repoDir, source, null);
        } finally {
            appender.finish();
        }

        assertThat(result.warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo(growing.toString());
            assertThat(w.message()).contains("changed while it was read");
        });
        Snapshot snapshot = result.snapshot();
        assertThat(snapshot.summary().filesChangedDuringBackup()).isEqualTo(1);
        Node stored;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            stored = ChangeDetectionTest.findFile(repo, snapshot, "data/logs/growing.log");
            assertThat(stored.changedDuringBackup()).isTrue();
            assertThat(ChangeDetectionTest.findFile(repo, snapshot, "data/stable.bin").changedDuringBackup()).isFalse();
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
        }
        assertThat(stored.size()).isGreaterThan(INITIAL_SIZE);

        Path target = tmp.resolve("restore");
        RestoreResult restored = FilesTestSupport.restore(repoDir, snapshot, target, List.of());
        assertThat(restored.failures()).isEmpty();
        byte[] now = Files.readAllBytes(growing);
        byte[] back = Files.readAllBytes(target.resolve("data/logs/growing.log"));
        assertThat(back).hasSize((int) stored.size());
        assertThat(Arrays.equals(back, 0, back.length, now, 0, back.length))
                .as("an append-only file is stored as a prefix of what it became").isTrue();
        assertThat(Files.mismatch(source.resolve("stable.bin"), target.resolve("data/stable.bin"))).isEqualTo(-1L);

        Snapshot next = FilesTestSupport.backup(repoDir, source, snapshot).snapshot();
        assertThat(next.summary().filesChangedDuringBackup()).isZero();
        assertThat(next.summary().changedFiles()).as("a flagged file is never trusted as unchanged").isEqualTo(1);
        assertThat(next.summary().bytesRead()).isEqualTo(now.length);
    }

    /** Appends 4 KiB about every millisecond until stopped. */
    private static final class Appender extends Thread {
        final CountDownLatch started = new CountDownLatch(1);
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<IOException> failure = new AtomicReference<>();
        private final Path file;

        Appender(Path file) {
            super("appender");
            this.file = file;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] block = new byte[4096];
            Random random = new Random(1);
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                while (running.get()) {
                    random.nextBytes(block);
                    out.write(ByteBuffer.wrap(block));
                    started.countDown();
                    Thread.sleep(1);
                }
            } catch (IOException e) {
                failure.set(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void finish() throws Exception {
            running.set(false);
            join(10_000);
            if (failure.get() != null) {
                throw failure.get();
            }
        }
    }
}
