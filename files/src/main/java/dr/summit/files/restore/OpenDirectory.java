package dr.summit.files.restore;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;

/**
 * One directory of the restore target, held open. Entries are created and changed relative to this
 * handle, never through a path from the target root, so a directory renamed away or replaced by a
 * symlink while the restore runs cannot redirect a write.
 *
 * <p>{@link SecureDirectoryStream} covers opening, creating, renaming and the times and permission
 * bits. What it lacks (mkdir, symlink, link, xattrs, lchown by number, set-id bits, and the
 * mkfifo/mknod child processes) goes through {@code /proc/PID/fd/N/NAME}: the kernel resolves
 * {@code /proc/PID/fd/N} to this very directory, whatever has been renamed since, and the callers
 * add NOFOLLOW_LINKS (or use calls that never follow) for the last component. That needs the
 * descriptor number, which the JDK keeps private: read through the same
 * {@code --add-opens java.base/sun.nio.fs} that {@link dr.summit.files.fs.RawPaths} needs.
 */
final class OpenDirectory implements Closeable {
    private static final VarHandle DFD = descriptorField();
    private static final long PID = ProcessHandle.current().pid();

    /** Path relative to the target root as ISO-8859-1 characters, one per raw byte ("" = the root). */
    final String key;
    /** The path an operator knows it by, for messages. */
    final Path display;
    final SecureDirectoryStream<Path> stream;
    /** Device and inode, to recognise this directory when it is opened again. */
    final Object identity;
    private final int fd;
    /** Holders; guarded by the owning {@link TargetDirectories}. */
    int refs;

    OpenDirectory(String key, Path display, SecureDirectoryStream<Path> stream, Object identity) {
        this.key = key;
        this.display = display;
        this.stream = stream;
        this.identity = identity;
        this.fd = (int) DFD.get(stream);
    }

    /** Whether entries can be pinned to open directories here (Linux, /proc, the JDK's descriptor readable). */
    static String unavailableReason() {
        if (DFD == null) {
            return "the JDK's directory descriptors are not accessible (run with --add-opens java.base/sun.nio.fs=ALL-UNNAMED)";
        }
        if (!java.nio.file.Files.isDirectory(Path.of("/proc/self/fd"))) {
            return "/proc is not mounted";
        }
        return null;
    }

    /**
     * This directory itself, as a path that cannot lead anywhere else (follow it: it is a magic
     * link). Our pid rather than "self": one symlink less to resolve per call, a few percent.
     */
    Path self() {
        return Path.of("/proc/" + PID + "/fd/" + fd);
    }

    /** An entry of this directory by a path whose only lookup is {@code name}; pass NOFOLLOW_LINKS with it. */
    Path pinned(Path name) {
        return self().resolve(name);
    }

    /** The same as a string for a child process (it may read our /proc/PID/fd as the same user): {@code name} must be ASCII. */
    String pinnedForChildProcess(String name) {
        return self() + "/" + name;
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }

    private static VarHandle descriptorField() {
        try {
            Class<?> secure = Class.forName("sun.nio.fs.UnixSecureDirectoryStream");
            return MethodHandles.privateLookupIn(secure, MethodHandles.lookup()).findVarHandle(secure, "dfd", int.class);
        } catch (ReflectiveOperationException | IllegalAccessError | SecurityException e) {
            return null;
        }
    }
}
