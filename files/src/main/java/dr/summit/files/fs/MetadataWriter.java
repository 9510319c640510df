package dr.summit.files.fs;

import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.Xattr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;

/**
 * Applies a node's metadata to a restored entry, in the order that keeps each step from undoing
 * another: xattrs (writing them changes ctime, not mtime), owner (chown clears set-id bits, so it
 * comes before the mode), times, and the mode last.
 */
public final class MetadataWriter {
    private final boolean restoreOwner;

    /** @param restoreOwner chown to the stored uid/gid; only root may, so callers pass "running as root" */
    public MetadataWriter(boolean restoreOwner) {
        this.restoreOwner = restoreOwner;
    }

    public static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS)) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    public void apply(Path path, Node node) throws IOException {
        boolean symlink = node.type() == NodeType.SYMLINK;
        if (!symlink && !node.xattrs().isEmpty()) {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
            for (Xattr x : node.xattrs()) {
                if (x.name().startsWith("user.")) {
                    view.write(x.name().substring(5), ByteBuffer.wrap(x.value()));
                }
            }
        }
        if (restoreOwner) {
            Files.setAttribute(path, "unix:gid", node.gid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:uid", node.uid(), LinkOption.NOFOLLOW_LINKS);
        }
        // The JDK sets a mode with NOFOLLOW_LINKS, and any times, through open(2) + fchmod/futimens:
        // opening a FIFO blocks until a writer comes (forever) and opening a device acts on the
        // device. Special files were just created by mkfifo/mknod (never symlinks), so they get
        // path-based chmod(2) and utimensat(2) (via touch) instead.
        boolean special = node.type() != NodeType.FILE && node.type() != NodeType.DIRECTORY && !symlink;
        if (special) {
            Files.setAttribute(path, "unix:mode", node.mode());
            touchMtime(path, node.mtimeSeconds(), node.mtimeNanos());
            return;
        }
        // Times before mode: chmod does not touch mtime, but the JDK sets times through open(2),
        // which a non-root user could not do any more on a file restored as mode 0200 or 0000.
        FileTime mtime = FileTime.from(Instant.ofEpochSecond(node.mtimeSeconds(), node.mtimeNanos()));
        Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
        if (!symlink) {
            Files.setAttribute(path, "unix:mode", node.mode(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static void touchMtime(Path path, long seconds, int nanos) throws IOException {
        java.math.BigDecimal exact = java.math.BigDecimal.valueOf(seconds).add(java.math.BigDecimal.valueOf(nanos, 9));
        Process p = new ProcessBuilder("touch", "-h", "-c", "-m", "-d", "@" + exact.toPlainString(), "--", path.toString())
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new IOException("cannot set the modification time of " + path + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while setting the modification time of " + path);
        }
    }
}
