package dr.summit.files.browse;

import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A directory of a snapshot written as one archive stream ({@code dump SNAPSHOT DIR}): tar (POSIX/PAX, so
 * long names, big files, owners and nanosecond times survive) or zip. Entries are streamed in walk order;
 * memory is one directory listing per level plus one chunk.
 */
public final class SnapshotArchive {
    public enum Format { TAR, ZIP }

    /** What was written. */
    public record Written(long entries, long bytes, long skipped) {
    }

    private final Repository repo;

    public SnapshotArchive(Repository repo) {
        this.repo = repo;
    }

    /**
     * Writes the tree below {@code parts}, entry names relative to it prefixed with {@code prefix} (may be empty).
     * Device nodes, FIFOs and sockets go into tar (it can hold them) and are skipped in zip (counted).
     */
    public Written write(List<BlobId> parts, String prefix, Format format, OutputStream out) throws IOException {
        FileContent content = new FileContent(repo);
        long[] counts = new long[3];
        if (format == Format.TAR) {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            walk(parts, prefix, (name, node) -> {
                tar.putArchiveEntry(tarEntry(name, node));
                if (node.type() == NodeType.FILE) {
                    counts[1] += content.copy(node, tar);
                }
                tar.closeArchiveEntry();
                counts[0]++;
            });
            tar.finish();
        } else {
            ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
            walk(parts, prefix, (name, node) -> {
                if (node.type() != NodeType.FILE && node.type() != NodeType.DIRECTORY) {
                    counts[2]++;    // zip has no portable way to hold links, devices or FIFOs
                    return;
                }
                ZipEntry entry = new ZipEntry(node.type() == NodeType.DIRECTORY ? name + "/" : name);
                entry.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(node.mtimeSeconds(), node.mtimeNanos())));
                zip.putNextEntry(entry);
                if (node.type() == NodeType.FILE) {
                    counts[1] += content.copy(node, zip);
                }
                zip.closeEntry();
                counts[0]++;
            });
            zip.finish();
        }
        out.flush();
        return new Written(counts[0], counts[1], counts[2]);
    }

    private interface EntrySink {
        void accept(String name, Node node) throws IOException;
    }

    private void walk(List<BlobId> parts, String prefix, EntrySink sink) throws IOException {
        for (Node node : repo.loadDirectory(parts)) {
            String name = prefix.isEmpty() ? node.displayName() : prefix + "/" + node.displayName();
            sink.accept(name, node);
            if (node.type() == NodeType.DIRECTORY) {
                walk(node.subtrees(), name, sink);
            }
        }
    }

    static TarArchiveEntry tarEntry(String name, Node node) {
        TarArchiveEntry e = switch (node.type()) {
            case DIRECTORY -> new TarArchiveEntry(name + "/");
            case SYMLINK -> {
                TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                link.setLinkName(new String(node.linkTarget(), StandardCharsets.UTF_8));
                yield link;
            }
            case FIFO -> new TarArchiveEntry(name, TarConstants.LF_FIFO);
            case CHAR_DEVICE -> device(name, TarConstants.LF_CHR, node);
            case BLOCK_DEVICE -> device(name, TarConstants.LF_BLK, node);
            default -> new TarArchiveEntry(name);
        };
        e.setMode(node.mode() & 07777);
        e.setUserId(node.uid());
        e.setGroupId(node.gid());
        e.setUserName(node.user());
        e.setGroupName(node.group());
        e.setModTime(FileTime.from(node.mtimeSeconds() * 1_000_000_000L + node.mtimeNanos(), TimeUnit.NANOSECONDS));
        if (node.type() == NodeType.FILE) {
            e.setSize(node.size());
        }
        return e;
    }

    private static TarArchiveEntry device(String name, byte type, Node node) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        // Linux dev_t encoding: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
        long rdev = node.rdev();
        e.setDevMajor((int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
        e.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
        return e;
    }
}
