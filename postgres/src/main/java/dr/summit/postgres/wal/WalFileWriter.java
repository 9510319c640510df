package dr.summit.postgres.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a fetched WAL file into an open directory: a new temporary file (mode 0600, created
 * exclusively, never through a symbolic link), then a rename onto the final name, so recovery never
 * reads a partial file and a link planted at either name is replaced, not followed.
 */
public final class WalFileWriter {
    /** What to write; called once with the temporary file's channel. */
    public interface Content {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private WalFileWriter() {
    }

    /**
     * Writes {@code fileName} in {@code directory}. When run as root, the file is given to the
     * directory's owner: the server opens restored WAL read-write.
     */
    public static void write(SecureDirectoryStream<Path> directory, String fileName, Content content) throws IOException {
        if (fileName.contains("/") || fileName.isEmpty() || fileName.startsWith(".")) {
            throw new IllegalArgumentException("'" + fileName + "' is not a plain file name");
        }
        Path temp = Path.of(fileName + ".summit-tmp-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            try (SeekableByteChannel out = directory.newByteChannel(temp,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                content.writeTo(out);
                if (out instanceof FileChannel file) {
                    file.force(true);
                }
            }
            UserPrincipal owner = directory.getFileAttributeView(PosixFileAttributeView.class).readAttributes().owner();
            PosixFileAttributeView file = directory.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (!file.readAttributes().owner().equals(owner)) {
                file.setOwner(owner);
            }
            directory.move(temp, directory, Path.of(fileName));
            done = true;
        } finally {
            if (!done) {
                try {
                    directory.deleteFile(temp);
                } catch (NoSuchFileException ignored) {
                    // never created
                }
            }
        }
    }

    /** Opens {@code directory} for {@link #write}; fails where the platform has no secure directory streams. */
    public static SecureDirectoryStream<Path> open(Path directory) throws IOException {
        DirectoryStream<Path> stream = java.nio.file.Files.newDirectoryStream(directory);
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IOException("cannot open " + directory + " without following symbolic links on this platform");
    }
}
