package dr.summit.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An output file written under a temporary name next to its final path (mode 600) and renamed
 * into place by {@link #commit()}; closing without a commit deletes it. A reader of the final name
 * thus sees either nothing or the complete, authenticated result.
 */
final class StagedOutput implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final OutputStream stream;
    private boolean committed;

    private StagedOutput(Path target, Path temp) throws IOException {
        this.target = target;
        this.temp = temp;
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
        this.stream = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16);
    }

    /** Stages next to {@code target} (same directory, so the rename is atomic). */
    static StagedOutput next(Path target) {
        Path absolute = target.toAbsolutePath();
        try {
            Path temp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName() + ".", ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            return new StagedOutput(target, temp);
        } catch (IOException e) {
            throw new CommandFailure("cannot create a temporary file next to " + target + ": " + e.getMessage());
        }
    }

    /** A private scratch file in the temporary directory, for output that must be complete before it is shown. */
    static StagedOutput scratch() {
        try {
            Path temp = Files.createTempFile("summit-dr-crypt-", ".partial",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            return new StagedOutput(null, temp);
        } catch (IOException e) {
            throw new CommandFailure("cannot create a temporary file: " + e.getMessage());
        }
    }

    OutputStream stream() {
        return stream;
    }

    Path path() {
        return temp;
    }

    /** Flushes, syncs and renames the file to its final name. */
    void commit() throws IOException {
        stream.flush();
        channel.force(true);
        stream.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    /** Flushes without renaming (for scratch files read back afterwards). */
    void finish() throws IOException {
        stream.flush();
        stream.close();
    }

    @Override
    public void close() {
        try {
            stream.close();
        } catch (IOException e) {
            // the file is deleted below or was committed already
        }
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // nothing better to do; the name says it is partial
            }
        }
    }
}
