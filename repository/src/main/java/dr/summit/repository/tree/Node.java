package dr.summit.repository.tree;

import dr.summit.repository.blob.BlobId;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One directory entry with its metadata. {@code name} is the raw file-name bytes (file names
 * need not be UTF-8). Files list their content chunks in order; directories list the tree blobs
 * that hold their entries (more than one when the directory is huge).
 *
 * @param flags bit 0: the file changed while it was read ({@link #CHANGED_DURING_BACKUP})
 */
public record Node(NodeType type, byte[] name, int mode, int uid, int gid, String user, String group,
                   long mtimeSeconds, int mtimeNanos, long ctimeSeconds, int ctimeNanos,
                   long inode, long device, int links, long size, long rdev,
                   byte[] linkTarget, List<Xattr> xattrs, int flags,
                   List<ChunkRef> content, List<BlobId> subtrees) {

    public static final int CHANGED_DURING_BACKUP = 1;
    /** {@code content} names CHUNK_LIST blobs (each covering {@code length} bytes), not data chunks. */
    public static final int INDIRECT_CONTENT = 2;

    public Node {
        xattrs = xattrs == null ? List.of() : List.copyOf(xattrs);
        content = content == null ? List.of() : content;
        subtrees = subtrees == null ? List.of() : List.copyOf(subtrees);
        user = user == null ? "" : user;
        group = group == null ? "" : group;
    }

    /** The name for display; undecodable bytes are shown as U+FFFD. */
    public String displayName() {
        return new String(name, StandardCharsets.UTF_8);
    }

    public boolean changedDuringBackup() {
        return (flags & CHANGED_DURING_BACKUP) != 0;
    }

    public boolean indirectContent() {
        return (flags & INDIRECT_CONTENT) != 0;
    }

    public Node withContent(List<ChunkRef> newContent, long newSize, int newFlags) {
        return new Node(type, name, mode, uid, gid, user, group, mtimeSeconds, mtimeNanos, ctimeSeconds, ctimeNanos,
                inode, device, links, newSize, rdev, linkTarget, xattrs, newFlags, newContent, subtrees);
    }

    public Node withSubtrees(List<BlobId> newSubtrees) {
        return new Node(type, name, mode, uid, gid, user, group, mtimeSeconds, mtimeNanos, ctimeSeconds, ctimeNanos,
                inode, device, links, size, rdev, linkTarget, xattrs, flags, content, newSubtrees);
    }
}
