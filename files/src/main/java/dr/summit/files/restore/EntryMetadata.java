package dr.summit.files.restore;

import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.Xattr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Applies a node's metadata to a restored entry relative to its open directory, never following a
 * symlink. Order: xattrs (they change ctime, not
 * mtime), owner (chown clears set-id bits), times, then the mode last (the JDK opens a file to set
 * its times, which a mode of 0000 would forbid a non-root user).
 *
 * <p>How each step avoids following links, for an entry NAME in directory D:
 * <ul>
 *   <li>permission bits: D's {@code SecureDirectoryStream} view with NOFOLLOW_LINKS (openat
 *       O_NOFOLLOW, then fchmod on that descriptor);</li>
 *   <li>times: the secure view sets them with futimes, to the microsecond only, so
 *       {@code /proc/PID/fd/D/NAME} with NOFOLLOW_LINKS (utimensat with AT_SYMLINK_NOFOLLOW);</li>
 *   <li>set-id and sticky bits: the JDK's permission set cannot carry them, so "unix:mode" on
 *       {@code /proc/PID/fd/D/NAME} with NOFOLLOW_LINKS (open O_NOFOLLOW, then fchmod);</li>
 *   <li>owner: there is no UserPrincipal for a bare uid, so "unix:uid"/"unix:gid" on the same
 *       pinned path with NOFOLLOW_LINKS (lchown);</li>
 *   <li>xattrs: no secure-stream view exists, so the pinned path with NOFOLLOW_LINKS (open
 *       O_NOFOLLOW, then fsetxattr).</li>
 * </ul>
 * A directory's own metadata goes through its own handle ({@code /proc/PID/fd/D}, followed,
 * and D's own permission view): no name is looked up at all.
 */
final class EntryMetadata {
    private static final int SPECIAL_BITS = 07000;
    private final boolean restoreOwner;

    EntryMetadata(boolean restoreOwner) {
        this.restoreOwner = restoreOwner;
    }

    /** A regular file (under any name, e.g. its temporary one) in {@code dir}. */
    void applyToFile(OpenDirectory dir, Path name, Node node) throws IOException {
        Path pinned = dir.pinned(name);
        writeXattrs(Files.getFileAttributeView(pinned, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS), node);
        if (restoreOwner) {
            chown(pinned, node, LinkOption.NOFOLLOW_LINKS);
        }
        Files.getFileAttributeView(pinned, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(mtime(node), null, null);
        setMode(dir.stream.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS),
                pinned, node.mode(), LinkOption.NOFOLLOW_LINKS);
    }

    /** A symlink in {@code dir}: owner and mtime of the link itself (lchown, utimensat with AT_SYMLINK_NOFOLLOW). */
    void applyToSymlink(OpenDirectory dir, Path name, Node node) throws IOException {
        Path pinned = dir.pinned(name);
        if (restoreOwner) {
            chown(pinned, node, LinkOption.NOFOLLOW_LINKS);
        }
        Files.getFileAttributeView(pinned, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(mtime(node), null, null);
    }

    /** A FIFO or device node in {@code dir}: its mode was given at creation (opening one to chmod it would block or act on the device). */
    void applyOwnerToSpecial(OpenDirectory dir, Path name, Node node) throws IOException {
        if (restoreOwner) {
            chown(dir.pinned(name), node, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** A directory, through its own handle. */
    void applyToDirectory(OpenDirectory dir, Node node) throws IOException {
        // /proc/PID/fd/D is a magic link to D itself: following it is the point.
        Path self = dir.self();
        writeXattrs(Files.getFileAttributeView(self, UserDefinedFileAttributeView.class), node);
        if (restoreOwner) {
            chown(self, node);
        }
        Files.getFileAttributeView(self, BasicFileAttributeView.class).setTimes(mtime(node), null, null);
        setMode(dir.stream.getFileAttributeView(PosixFileAttributeView.class), self, node.mode());
    }

    private static void writeXattrs(UserDefinedFileAttributeView view, Node node) throws IOException {
        for (Xattr x : node.xattrs()) {
            if (x.name().startsWith("user.")) {
                view.write(x.name().substring(5), ByteBuffer.wrap(x.value()));
            }
        }
    }

    private static void chown(Path path, Node node, LinkOption... options) throws IOException {
        Files.setAttribute(path, "unix:gid", node.gid(), options);
        Files.setAttribute(path, "unix:uid", node.uid(), options);
    }

    private static void setMode(PosixFileAttributeView view, Path pinned, int mode, LinkOption... options) throws IOException {
        if ((mode & SPECIAL_BITS) == 0) {
            view.setPermissions(permissions(mode));
        } else {
            Files.setAttribute(pinned, "unix:mode", mode & 07777, options);
        }
    }

    private static FileTime mtime(Node node) {
        return FileTime.from(Instant.ofEpochSecond(node.mtimeSeconds(), node.mtimeNanos()));
    }

    private static final PosixFilePermission[] BY_BIT = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BY_BIT.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(BY_BIT[bit]);
            }
        }
        return set;
    }
}
