package dr.summit.files.fs;

import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.Xattr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one directory entry's metadata with lstat semantics (never following symlinks) into a
 * {@link Node} without content. Uses the JDK's "unix:*" attribute view, which exposes the full
 * st_mode, uid/gid, inode, device, link count and nanosecond times on Linux.
 */
public final class NodeReader {
    private static final int S_IFMT = 0170000;
    private static final String ATTRIBUTES = "unix:mode,uid,gid,ino,dev,nlink,size,rdev,lastModifiedTime,ctime";
    private final boolean readXattrs;
    private final Map<Integer, String> users = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Integer, String> groups = new java.util.concurrent.ConcurrentHashMap<>();

    public NodeReader(boolean readXattrs) {
        this.readXattrs = readXattrs;
    }

    /** Metadata of {@code path}, whose raw file name is {@code name}. */
    public Node read(Path path, byte[] name) throws IOException {
        return read(path, name, null);
    }

    /**
     * Like {@link #read(Path, byte[])}; {@code previous} is the entry's node in the parent snapshot
     * (or null). Setting or removing an xattr changes ctime, so when inode, device, type and both
     * times still match, the previous xattrs are taken as they are: listing them costs an open,
     * a flistxattr and a close per entry, the largest cost of an unchanged re-backup's walk.
     */
    public Node read(Path path, byte[] name, Node previous) throws IOException {
        // Named attributes, not "unix:*": that one resolves owner and group names with a
        // getpwuid/getgrgid call per file, which the caches below answer once per id.
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        NodeType type = typeOf(mode);
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        FileTime ctime = (FileTime) a.get("ctime");
        long size = type == NodeType.FILE ? (Long) a.get("size") : 0;
        byte[] target = type == NodeType.SYMLINK ? RawPaths.bytes(Files.readSymbolicLink(path)) : null;
        List<Xattr> xattrs = !readXattrs || (type != NodeType.FILE && type != NodeType.DIRECTORY) ? List.of()
                : sameInodeAndTimes(previous, type, a, mtime, ctime) ? previous.xattrs() : xattrs(path);
        return new Node(type, name, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
                userName(path, (Integer) a.get("uid")), groupName(path, (Integer) a.get("gid")),
                mtime.toInstant().getEpochSecond(), mtime.toInstant().getNano(),
                ctime.toInstant().getEpochSecond(), ctime.toInstant().getNano(),
                (Long) a.get("ino"), (Long) a.get("dev"), (Integer) a.get("nlink"), size, (Long) a.get("rdev"),
                target, xattrs, 0, List.of(), List.of());
    }

    private static boolean sameInodeAndTimes(Node previous, NodeType type, Map<String, Object> a, FileTime mtime, FileTime ctime) {
        if (previous == null || previous.type() != type) {
            return false;
        }
        java.time.Instant m = mtime.toInstant();
        java.time.Instant c = ctime.toInstant();
        return previous.inode() == (Long) a.get("ino") && previous.device() == (Long) a.get("dev")
                && previous.mtimeSeconds() == m.getEpochSecond() && previous.mtimeNanos() == m.getNano()
                && previous.ctimeSeconds() == c.getEpochSecond() && previous.ctimeNanos() == c.getNano();
    }

    static NodeType typeOf(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> NodeType.FILE;
            case 0040000 -> NodeType.DIRECTORY;
            case 0120000 -> NodeType.SYMLINK;
            case 0010000 -> NodeType.FIFO;
            case 0020000 -> NodeType.CHAR_DEVICE;
            case 0060000 -> NodeType.BLOCK_DEVICE;
            case 0140000 -> NodeType.SOCKET;
            default -> throw new IllegalArgumentException("unknown file type in mode " + Integer.toOctalString(mode));
        };
    }

    private String userName(Path path, int uid) {
        return users.computeIfAbsent(uid, id -> lookup(path, "posix:owner"));
    }

    private String groupName(Path path, int gid) {
        return groups.computeIfAbsent(gid, id -> lookup(path, "posix:group"));
    }

    private static String lookup(Path path, String attribute) {
        try {
            Object p = Files.getAttribute(path, attribute, LinkOption.NOFOLLOW_LINKS);
            return p instanceof UserPrincipal u ? u.getName() : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static List<Xattr> xattrs(Path path) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return List.of();
        }
        List<String> names;
        try {
            names = view.list();
        } catch (FileSystemException unsupported) {
            // File systems without xattr support: nothing to keep.
            return List.of();
        }
        List<Xattr> out = new ArrayList<>(names.size());
        for (String n : names.stream().sorted().toList()) {
            ByteBuffer buf = ByteBuffer.allocate(view.size(n));
            view.read(n, buf);
            out.add(new Xattr("user." + n, buf.array()));
        }
        return out;
    }
}
