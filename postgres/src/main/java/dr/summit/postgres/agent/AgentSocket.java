package dr.summit.postgres.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The agent's listening socket at a path the operator names. Nothing else at that path is
 * replaced: a file that is not a socket is refused, and so is a socket another process answers
 * on; only a stale socket (nobody listening) is replaced. The socket is bound inside a private
 * directory (mode 700), given its final mode there, then renamed into place, so it is never
 * reachable with a wider mode. The server on it (module http) binds the staged path.
 */
final class AgentSocket implements AutoCloseable {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** Starts a server listening on a new socket at the path it is given. */
    interface Binder {
        AutoCloseable bind(Path staged) throws IOException;
    }

    private final Path path;
    private final AutoCloseable server;
    private final Object fileKey;

    private AgentSocket(Path path, AutoCloseable server, Object fileKey) {
        this.path = path;
        this.server = server;
        this.fileKey = fileKey;
    }

    /** Binds a new socket at {@code path} with {@code mode} (e.g. "rw-rw----") and serves on it. */
    static AgentSocket bind(Path path, String mode, Binder binder) throws IOException {
        Path socket = path.toAbsolutePath();
        refuseIfTaken(socket);
        Path parent = socket.getParent();
        Path privateDir;
        try {
            privateDir = Files.createTempDirectory(parent, ".summit-agent-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException("cannot create the socket " + socket + ": " + (e.getReason() != null ? e.getReason()
                    : e.getClass().getSimpleName().replace("Exception", "")) + " in " + parent, e);
        }
        Path staged = privateDir.resolve("s");
        AutoCloseable server = null;
        try {
            server = binder.bind(staged);
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString(mode));
            Object key = Files.readAttributes(staged, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            refuseIfTaken(socket);
            // rename(2): replaces a stale socket atomically; clients never see the path missing.
            Files.move(staged, socket, StandardCopyOption.ATOMIC_MOVE);
            return new AgentSocket(socket, server, key);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                closeQuietly(server);
            }
            throw e;
        } finally {
            Files.deleteIfExists(staged);
            Files.deleteIfExists(privateDir);
        }
    }

    private static void refuseIfTaken(Path socket) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("--socket " + socket + " exists and is not a socket; refusing to replace it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException stale) {
            return; // nobody listening: a socket left by an agent that died
        }
        throw new IOException("another agent is listening on " + socket + "; refusing to take its socket over");
    }

    private static void closeQuietly(AutoCloseable server) {
        try {
            server.close();
        } catch (Exception ignored) {
            // the bind error is the one to report
        }
    }

    Path path() {
        return path;
    }

    /** Closes the socket and removes its path, unless another agent has replaced it since. */
    @Override
    public void close() throws IOException {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            if (fileKey != null && fileKey.equals(Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey())) {
                Files.deleteIfExists(path);
            }
        } catch (NoSuchFileException gone) {
            // removed by the operator
        }
    }
}
