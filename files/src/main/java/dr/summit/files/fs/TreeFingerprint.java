package dr.summit.files.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A comparable description of a directory tree — every entry's type, content hash, mode, owner,
 * mtime (ns), symlink target, xattrs and hard-link grouping — used to prove that a restore equals
 * its source (demo, tests). Directory mtimes are included; the root's own metadata is not.
 */
public final class TreeFingerprint {
    private TreeFingerprint() {
    }

    /** Path (raw bytes as hex-escaped text) → description line. */
    public static Map<String, String> of(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<String, String> firstPathOfInode = new TreeMap<>();
        walk(root, "", out, firstPathOfInode);
        return out;
    }

    /** Human-readable differences between two fingerprints (empty when equal). */
    public static List<String> differences(Map<String, String> expected, Map<String, String> actual) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String a = actual.get(e.getKey());
            if (a == null) {
                diffs.add("missing: " + e.getKey());
            } else if (!a.equals(e.getValue())) {
                diffs.add("differs: " + e.getKey() + "\n  expected " + e.getValue() + "\n  actual   " + a);
            }
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                diffs.add("unexpected: " + k);
            }
        }
        return diffs;
    }

    private static void walk(Path dir, String prefix, Map<String, String> out, Map<String, String> inodes) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        children.sort((a, b) -> Arrays.compareUnsigned(RawPaths.nameBytes(a), RawPaths.nameBytes(b)));
        for (Path child : children) {
            String rel = prefix + escape(RawPaths.nameBytes(child));
            Map<String, Object> a = Files.readAttributes(child, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            StringBuilder line = new StringBuilder();
            line.append(String.format("mode=%o uid=%s gid=%s", mode, a.get("uid"), a.get("gid")));
            boolean isLink = (Boolean) a.get("isSymbolicLink");
            if (!isLink) {
                line.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toInstant());
            }
            if ((Boolean) a.get("isRegularFile")) {
                line.append(" size=").append(a.get("size")).append(" sha256=").append(sha256(child));
                if ((Integer) a.get("nlink") > 1) {
                    String key = a.get("dev") + ":" + a.get("ino");
                    String first = inodes.putIfAbsent(key, rel);
                    line.append(" linkgroup=").append(first == null ? rel : first);
                }
            } else if (isLink) {
                line.append(" target=").append(escape(RawPaths.bytes(Files.readSymbolicLink(child))));
            }
            // Only files and directories: listing xattrs opens the entry, and opening a FIFO blocks.
            if ((Boolean) a.get("isRegularFile") || (Boolean) a.get("isDirectory")) {
                var view = Files.getFileAttributeView(child, java.nio.file.attribute.UserDefinedFileAttributeView.class);
                if (view != null) {
                    try {
                        for (String n : new java.util.TreeSet<>(view.list())) {
                            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(view.size(n));
                            view.read(n, b);
                            line.append(" xattr.").append(n).append('=').append(HexFormat.of().formatHex(b.array()));
                        }
                    } catch (IOException unsupported) {
                        // no xattrs on this file system
                    }
                }
            }
            out.put(rel, line.toString());
            if ((Boolean) a.get("isDirectory")) {
                walk(child, rel + "/", out, inodes);
            }
        }
    }

    private static String escape(byte[] name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
