package dr.summit.postgres.agent;

import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalFileWriter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * The one directory the agent reads from and writes into: its data directory's {@code pg_wal}
 * (followed if it is a link, as {@code initdb --waldir} makes it). A path a client names is used
 * only if the directory it is in, once opened, is that directory (same device and inode), and the
 * file itself is opened relative to it without following a link. So a client cannot make the agent
 * read or replace anything else, whatever links or {@code ..} it puts in the path.
 */
final class WalDirectory {
    /** Names PostgreSQL's restore_command passes as %p besides WAL file names. */
    private static final Set<String> RECOVERY_NAMES = Set.of("RECOVERYXLOG", "RECOVERYHISTORY");

    private final Path pgWal;

    WalDirectory(Path pgdata) {
        this.pgWal = pgdata.toAbsolutePath().normalize().resolve("pg_wal");
    }

    Path path() {
        return pgWal;
    }

    /** A WAL file a push names, open for reading. */
    record Source(WalFileName name, FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    Source openForPush(Path file) throws IOException {
        String name = fileName(file);
        WalFileName walName = parse(name);
        try (SecureDirectoryStream<Path> directory = openDirectoryOf(file)) {
            BasicFileAttributes attrs = directory.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
            if (!attrs.isRegularFile()) {
                throw new RequestRefused(file + " is not a regular file");
            }
            FileChannel channel = (FileChannel) directory.newByteChannel(Path.of(name), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
            return new Source(walName, channel);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": no such file");
        }
    }

    /** The directory to write a fetched file into; the file name is {@link #destinationName}. */
    SecureDirectoryStream<Path> openForFetch(Path destination) throws IOException {
        String name = destinationName(destination);
        if (!RECOVERY_NAMES.contains(name)) {
            parse(name);
        }
        return openDirectoryOf(destination);
    }

    static String destinationName(Path destination) {
        return fileName(destination);
    }

    private SecureDirectoryStream<Path> openDirectoryOf(Path file) throws IOException {
        if (!file.isAbsolute()) {
            throw new RequestRefused(file + " is not an absolute path");
        }
        Object expected;
        try {
            expected = Files.readAttributes(pgWal, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new RequestRefused(file + " is not in " + pgWal + " (which does not exist)");
        }
        SecureDirectoryStream<Path> directory;
        try {
            directory = WalFileWriter.open(file.getParent());
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            throw new RequestRefused(file + " is not in " + pgWal);
        }
        boolean inside = false;
        try {
            Object opened = directory.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            inside = expected != null && expected.equals(opened);
        } finally {
            if (!inside) {
                directory.close();
            }
        }
        if (!inside) {
            throw new RequestRefused(file + " is not in " + pgWal + ", the only directory this agent reads WAL from and writes it to");
        }
        return directory;
    }

    private static String fileName(Path file) {
        Path name = file.getFileName();
        if (name == null || file.getParent() == null) {
            throw new RequestRefused("'" + file + "' names no file");
        }
        return name.toString();
    }

    private static WalFileName parse(String name) {
        try {
            return WalFileName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new RequestRefused(e.getMessage());
        }
    }
}
