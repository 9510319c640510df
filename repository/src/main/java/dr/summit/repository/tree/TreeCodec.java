package dr.summit.repository.tree;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Binary layout of a tree blob (docs/repository-format.md, "Tree"):
 * <pre>
 * tree := 01 count u32 node*                       (nodes sorted by name, unsigned bytes, unique)
 * node := type u8 flags u8 name:bytes16 mode u32 uid u32 gid u32 user:bytes8 group:bytes8
 *         mtime i64 mtimeNanos u32 ctime i64 ctimeNanos u32 inode i64 device i64 links u32
 *         size i64 rdev i64 [target:bytes16 if symlink] xattrCount u16 (name:bytes16 value:bytes32)*
 *         [chunkCount u32 (id[32] length u32)* if file] [partCount u16 id[32]* if directory]
 * </pre>
 * Decoding rejects names that could escape the restore target ("", ".", "..", '/', NUL).
 */
public final class TreeCodec {
    public static final int VERSION = 1;

    private TreeCodec() {
    }

    public static byte[] encode(List<Node> nodes) {
        ByteWriter w = new ByteWriter(64 + nodes.size() * 128);
        w.u8(VERSION).u32(nodes.size());
        for (Node n : nodes) {
            encodeNode(w, n);
        }
        return w.toByteArray();
    }

    /** Bytes {@code node} adds to a tree, for splitting huge directories into parts. */
    public static int encodedSize(Node n) {
        int size = 2 + 2 + n.name().length + 12 + 2 + utf8(n.user()).length + utf8(n.group()).length + 12 + 12 + 16 + 4 + 16 + 2;
        if (n.type() == NodeType.SYMLINK) {
            size += 2 + n.linkTarget().length;
        }
        for (Xattr x : n.xattrs()) {
            size += 2 + utf8(x.name()).length + 4 + x.value().length;
        }
        if (n.type() == NodeType.FILE) {
            size += 4 + n.content().size() * (BlobId.BYTES + 4);
        }
        if (n.type() == NodeType.DIRECTORY) {
            size += 2 + n.subtrees().size() * BlobId.BYTES;
        }
        return size;
    }

    private static void encodeNode(ByteWriter w, Node n) {
        w.u8(n.type().code()).u8(n.flags()).shortBytes(n.name());
        w.i32(n.mode()).i32(n.uid()).i32(n.gid());
        byte[] user = utf8(n.user());
        byte[] group = utf8(n.group());
        w.u8(user.length).bytes(user).u8(group.length).bytes(group);
        w.i64(n.mtimeSeconds()).i32(n.mtimeNanos()).i64(n.ctimeSeconds()).i32(n.ctimeNanos());
        w.i64(n.inode()).i64(n.device()).i32(n.links()).i64(n.size()).i64(n.rdev());
        if (n.type() == NodeType.SYMLINK) {
            w.shortBytes(n.linkTarget());
        }
        w.u16(n.xattrs().size());
        for (Xattr x : n.xattrs()) {
            w.shortBytes(utf8(x.name())).longBytes(x.value());
        }
        if (n.type() == NodeType.FILE) {
            w.u32(n.content().size());
            for (ChunkRef c : n.content()) {
                w.bytes(c.id().bytes()).u32(c.length());
            }
        }
        if (n.type() == NodeType.DIRECTORY) {
            w.u16(n.subtrees().size());
            for (BlobId id : n.subtrees()) {
                w.bytes(id.bytes());
            }
        }
    }

    public static List<Node> decode(byte[] bytes, String where) {
        ByteReader r = new ByteReader(bytes, where);
        int version = r.u8();
        if (version != VERSION) {
            throw r.corrupt("unsupported tree version " + version);
        }
        int count = r.count(60);
        List<Node> nodes = new ArrayList<>(count);
        byte[] previous = null;
        for (int i = 0; i < count; i++) {
            Node n = decodeNode(r, where);
            if (previous != null && Arrays.compareUnsigned(previous, n.name()) >= 0) {
                throw r.corrupt("entries not sorted or duplicated at '" + n.displayName() + "'");
            }
            previous = n.name();
            nodes.add(n);
        }
        r.expectEnd();
        return nodes;
    }

    private static Node decodeNode(ByteReader r, String where) {
        NodeType type = NodeType.ofCode(r.u8(), where);
        int flags = r.u8();
        byte[] name = r.shortBytes();
        checkName(name, r);
        int mode = r.i32();
        int uid = r.i32();
        int gid = r.i32();
        String user = new String(r.bytes(r.u8()), StandardCharsets.UTF_8);
        String group = new String(r.bytes(r.u8()), StandardCharsets.UTF_8);
        long mtime = r.i64();
        int mtimeNanos = r.i32();
        long ctime = r.i64();
        int ctimeNanos = r.i32();
        long inode = r.i64();
        long device = r.i64();
        int links = r.i32();
        long size = r.i64();
        long rdev = r.i64();
        if (mtimeNanos < 0 || mtimeNanos > 999_999_999 || ctimeNanos < 0 || ctimeNanos > 999_999_999 || size < 0) {
            throw r.corrupt("invalid time or size in entry '" + new String(name, StandardCharsets.UTF_8) + "'");
        }
        byte[] target = type == NodeType.SYMLINK ? r.shortBytes() : null;
        int xattrCount = r.u16();
        List<Xattr> xattrs = new ArrayList<>(xattrCount);
        for (int i = 0; i < xattrCount; i++) {
            xattrs.add(new Xattr(new String(r.shortBytes(), StandardCharsets.UTF_8), r.longBytes()));
        }
        List<ChunkRef> content = List.of();
        if (type == NodeType.FILE) {
            int chunks = r.count(BlobId.BYTES + 4);
            content = new ArrayList<>(chunks);
            long total = 0;
            for (int i = 0; i < chunks; i++) {
                BlobId id = BlobId.of(r.bytes(BlobId.BYTES));
                long length = r.u32();
                if (length > Integer.MAX_VALUE) {
                    throw r.corrupt("chunk length " + length + " out of range");
                }
                total += length;
                content.add(new ChunkRef(id, (int) length));
            }
            if (total != size) {
                throw r.corrupt("content of '" + new String(name, StandardCharsets.UTF_8) + "' sums to " + total + " bytes, size says " + size);
            }
        }
        List<BlobId> subtrees = List.of();
        if (type == NodeType.DIRECTORY) {
            int parts = r.u16();
            subtrees = new ArrayList<>(parts);
            for (int i = 0; i < parts; i++) {
                subtrees.add(BlobId.of(r.bytes(BlobId.BYTES)));
            }
        }
        return new Node(type, name, mode, uid, gid, user, group, mtime, mtimeNanos, ctime, ctimeNanos, inode, device,
                links, size, rdev, target, xattrs, flags, content, subtrees);
    }

    private static void checkName(byte[] name, ByteReader r) {
        boolean dotOrDotDot = (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
        boolean bad = name.length == 0 || dotOrDotDot;
        for (byte b : name) {
            bad |= b == '/' || b == 0;
        }
        if (bad) {
            throw r.corrupt("unsafe entry name '" + new String(name, StandardCharsets.UTF_8) + "'");
        }
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length > 255 ? Arrays.copyOf(b, 255) : b;
    }
}
