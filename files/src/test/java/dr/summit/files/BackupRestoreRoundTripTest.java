package dr.summit.files;

import static dr.summit.files.FilesTestSupport.allocatedBytes;
import static dr.summit.files.FilesTestSupport.relativePaths;
import static dr.summit.files.FilesTestSupport.sh;
import static dr.summit.files.FilesTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.files.backup.Archiver;
import dr.summit.files.fs.RawPaths;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.files.restore.RestoreResult;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.snapshot.Snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backs up a real tree holding every kind of entry the files source supports and proves that a
 * restore reproduces it exactly: content, type, mode (set-id and sticky bits too), owner, mtime to
 * the nanosecond, symlink targets, user xattrs, hard-link groups, holes and odd names.
 *
 * <p>Timeouts run in a separate thread: a FIFO opened by mistake blocks forever, and the test must
 * fail instead of hanging the build.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackupRestoreRoundTripTest {
    private static final long SPARSE_HOLE = 32L << 20;
    private static final byte[] NOT_UTF8_FILE = {'l', 'a', 't', 'i', 'n', '1', '-', (byte) 0xE9, '.', 't', 'x', 't'};
    private static final byte[] NOT_UTF8_DIR = {'d', 'i', 'r', '-', (byte) 0xFF, (byte) 0xFE, (byte) 0x80};

    @TempDir
    Path tmp;
    Path source;
    Path repoDir;

    @BeforeEach
    void createRepositoryAndTree() throws Exception {
        source = tmp.resolve("src");
        repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        buildTreeWithEveryKindOfEntry(source);
    }

    @Test
    void restoreReproducesEveryKindOfEntryExactly() throws Exception {
        Map<String, String> expected = TreeFingerprint.of(source);
        assertThat(RawPaths.exact()).as("tests run with --add-opens java.base/sun.nio.fs").isTrue();

        Archiver.Result backup = FilesTestSupport.backup(repoDir, source, null);
        assertThat(backup.warnings()).isEmpty();
        assertThat(backup.snapshot().summary().otherEntries()).as("symlinks and the FIFO").isEqualTo(6);

        Path target = tmp.resolve("restore");
        RestoreResult result = FilesTestSupport.restore(repoDir, backup.snapshot(), target, List.of());

        assertThat(result.failures()).isEmpty();
        assertThat(result.warnings()).isEmpty();
        assertThat(result.complete()).isTrue();
        assertThat(relativePaths(target)).first().isEqualTo("src");
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("src")))).isEmpty();
        assertThat(expected).as("the fingerprint saw the whole tree").hasSizeGreaterThan(30)
                .containsKeys("a/fifo", "sparse.img", "zero-tail.img", "zeros.bin", "line\\x0abreak", "dir-\\xff\\xfe\\x80/latin1-\\xe9.txt", "x".repeat(255));
        assertThat(expected.get("small.txt")).contains("xattr.comment=", "xattr.binary=000102ff");
        assertThat(expected.get("links/hard-3")).contains("linkgroup=a/hard-2");
    }

    @Test
    void fifoInADirectoryWhoseNameIsNotUtf8IsRestored() throws Exception {
        // Created by the shell from octal escapes: a Java String argument would not carry the raw bytes.
        Process mkfifo = new ProcessBuilder("sh", "-c", "mkfifo \"$(printf 'dir-\\377\\376\\200')/fifo\"")
                .directory(source.toFile()).redirectErrorStream(true).start();
        assertThat(mkfifo.waitFor()).as(new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        Path fifo = RawPaths.resolve(source, NOT_UTF8_DIR).resolve("fifo");
        assertThat(Files.readAttributes(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode")).isEqualTo(0010644);
        Map<String, String> expected = TreeFingerprint.of(source);

        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path target = tmp.resolve("restore");
        RestoreResult result = FilesTestSupport.restore(repoDir, snapshot, target, List.of());

        assertThat(result.failures()).isEmpty();
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("src")))).isEmpty();
    }

    @Test
    void restoredSparseFileKeepsItsHole() throws Exception {
        Path sparse = source.resolve("sparse.img");
        long size = Files.size(sparse);
        assertThat(allocatedBytes(sparse)).as("the source file system keeps holes").isLessThan(size / 8);

        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path target = tmp.resolve("restore");
        assertThat(FilesTestSupport.restore(repoDir, snapshot, target, List.of()).complete()).isTrue();

        Path restored = target.resolve("src/sparse.img");
        assertThat(Files.size(restored)).isEqualTo(size);
        assertThat(allocatedBytes(restored)).as("allocated bytes of a %d-byte file with a %d-byte hole", size, SPARSE_HOLE)
                .isLessThan(size / 8);
        assertThat(Files.mismatch(sparse, restored)).isEqualTo(-1L);
    }

    @Test
    void restoredSpecialBitsOwnersAndTimesAreTheSourceOnes() throws Exception {
        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path target = tmp.resolve("restore");
        assertThat(FilesTestSupport.restore(repoDir, snapshot, target, List.of()).complete()).isTrue();
        Path r = target.resolve("src");

        // Spelled out, so a fingerprint that ignored a field would not hide a regression.
        assertThat(mode(r.resolve("owned-setuid"))).isEqualTo(0104750);
        assertThat(mode(r.resolve("setgid-dir"))).isEqualTo(042775);
        assertThat(mode(r.resolve("sticky-tmp"))).isEqualTo(041777);
        assertThat(mode(r.resolve("no-permissions"))).isEqualTo(0100000);
        assertThat(Files.getAttribute(r.resolve("owned-setuid"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(r.resolve("owned-setuid"), "unix:gid")).isEqualTo(5678);
        assertThat(Files.getAttribute(r.resolve("owned-dir"), "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(r.resolve("owned-link"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1234);
        assertThat(Files.getAttribute(r.resolve("a/fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(source.resolve("a/fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS));
        Instant mtime = Files.getLastModifiedTime(source.resolve("small.txt")).toInstant();
        assertThat(mtime.getNano() % 1000).as("sub-microsecond part of the source mtime").isNotZero();
        assertThat(Files.getLastModifiedTime(r.resolve("small.txt")).toInstant()).isEqualTo(mtime);
        assertThat(Files.readSymbolicLink(r.resolve("link-dangling"))).isEqualTo(Path.of("no/such/target"));
        assertThat(Files.isSameFile(r.resolve("hard-1"), r.resolve("links/hard-3"))).isTrue();
        assertThat(Files.readAllBytes(RawPaths.resolve(r.resolve(RawPaths.fromBytes(NOT_UTF8_DIR)), NOT_UTF8_FILE)))
                .isEqualTo("inside a directory whose name is not UTF-8\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void deviceNodesComeBackWithTheirMajorAndMinorNumbers() throws Exception {
        Path devices = Files.createDirectories(source.resolve("devices"));
        try {
            sh("mknod", devices.resolve("null-like").toString(), "c", "1", "3");
            sh("mknod", devices.resolve("big-numbers").toString(), "b", "259", "70000");
        } catch (IOException e) {
            Assumptions.abort("cannot create device nodes here: " + e.getMessage());
        }
        sh("touch", "-h", "-c", "-m", "-d", "@1234567890.987654321", devices.resolve("big-numbers").toString());
        Map<String, String> expected = TreeFingerprint.of(source);

        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path target = tmp.resolve("restore");
        RestoreResult result = FilesTestSupport.restore(repoDir, snapshot, target, List.of());

        assertThat(result.failures()).isEmpty();
        assertThat(result.warnings()).isEmpty();
        Path restored = target.resolve("src/devices");
        for (String name : List.of("null-like", "big-numbers")) {
            assertThat(sh("stat", "-c", "%F %t:%T %a", restored.resolve(name).toString()))
                    .isEqualTo(sh("stat", "-c", "%F %t:%T %a", devices.resolve(name).toString()));
        }
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("src")))).isEmpty();
    }

    @Test
    void includeRestoresOnlyTheSelectedSubtree() throws Exception {
        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path target = tmp.resolve("restore");

        RestoreResult result = FilesTestSupport.restore(repoDir, snapshot, target, List.of("src/a/b"));

        assertThat(result.failures()).isEmpty();
        assertThat(relativePaths(target)).allSatisfy(p -> assertThat(
                p.equals("src") || p.equals("src/a") || p.equals("src/a/b") || p.startsWith("src/a/b/")).as(p).isTrue());
        assertThat(target.resolve("src/a/bx")).as("a sibling whose name merely starts like the include").doesNotExist();
        assertThat(target.resolve("src/small.txt")).doesNotExist();
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(source.resolve("a/b")),
                TreeFingerprint.of(target.resolve("src/a/b")))).isEmpty();
        assertThat(result.files()).isEqualTo(3);
    }

    @Test
    void restoreRefusesATargetThatIsNotEmpty() throws Exception {
        Snapshot snapshot = FilesTestSupport.backup(repoDir, source, null).snapshot();
        Path target = Files.createDirectories(tmp.resolve("restore"));
        Files.writeString(target.resolve("precious.txt"), "do not touch");

        assertThatThrownBy(() -> FilesTestSupport.restore(repoDir, snapshot, target, List.of()))
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("not empty")
                .hasMessageContaining(target.toString());

        assertThat(relativePaths(target)).containsExactly("precious.txt");
        assertThat(Files.readString(target.resolve("precious.txt"))).isEqualTo("do not touch");
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    /** Every entry kind and metadata corner the files source claims to restore exactly. */
    static void buildTreeWithEveryKindOfEntry(Path root) throws Exception {
        Random random = new Random(20260101);
        Files.createDirectories(root);

        // Regular files: empty, small, and several MiB spanning many 128 KiB-average chunks.
        Files.write(root.resolve("empty"), new byte[0]);
        Files.writeString(root.resolve("small.txt"), "hello, summit\n");
        writeRandom(root.resolve("multi-chunk.bin"), random, 3 * 1024 * 1024 + 12_345);

        // Nested directories; a/bx is a sibling whose name starts with the include prefix "a/b".
        Files.createDirectories(root.resolve("a/b/c/d"));
        Files.writeString(root.resolve("a/b/c/d/deep.txt"), "deep\n");
        writeRandom(root.resolve("a/b/in-b.bin"), random, 200_000);
        Files.writeString(root.resolve("a/b/c/in-c.txt"), "c\n");
        Files.createDirectories(root.resolve("a/bx"));
        Files.writeString(root.resolve("a/bx/sibling.txt"), "not under a/b\n");

        // Symlinks: relative, relative upwards, absolute, dangling.
        Files.createSymbolicLink(root.resolve("link-relative"), Path.of("a/b/c/in-c.txt"));
        Files.createSymbolicLink(root.resolve("a/link-up"), Path.of("../small.txt"));
        Files.createSymbolicLink(root.resolve("link-absolute"), root.resolve("small.txt").toAbsolutePath());
        Files.createSymbolicLink(root.resolve("link-dangling"), Path.of("no/such/target"));

        // A hard-link group of three names in three directories (none under a/b).
        writeRandom(root.resolve("hard-1"), random, 70_000);
        Files.createLink(root.resolve("a/hard-2"), root.resolve("hard-1"));
        Files.createDirectories(root.resolve("links"));
        Files.createLink(root.resolve("links/hard-3"), root.resolve("hard-1"));

        // Sparse: data, a big hole, data.
        try (FileChannel ch = FileChannel.open(root.resolve("sparse.img"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(FilesTestSupport.randomBytes(random, 64 * 1024)), 0);
            ch.write(ByteBuffer.wrap(FilesTestSupport.randomBytes(random, 64 * 1024)), 64 * 1024 + SPARSE_HOLE);
        }

        // A zero tail (no write reaches the last byte: the length is set at the end) and a file
        // of zeros only (no chunk is written at all: it is created when finished).
        try (FileChannel ch = FileChannel.open(root.resolve("zero-tail.img"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(FilesTestSupport.randomBytes(random, 5000)), 0);
            ch.write(ByteBuffer.wrap(new byte[1]), 3L << 20);
        }
        Files.write(root.resolve("zeros.bin"), new byte[300_000]);

        sh("mkfifo", root.resolve("a/fifo").toString());

        // Modes, including set-id and sticky bits and a file nobody may read.
        writeRandom(root.resolve("setuid-tool"), random, 1000);
        Files.setAttribute(root.resolve("setuid-tool"), "unix:mode", 04755);
        Files.createDirectories(root.resolve("setgid-dir"));
        Files.writeString(root.resolve("setgid-dir/file"), "x");
        Files.setAttribute(root.resolve("setgid-dir"), "unix:mode", 02775);
        Files.createDirectories(root.resolve("sticky-tmp"));
        Files.setAttribute(root.resolve("sticky-tmp"), "unix:mode", 01777);
        Files.writeString(root.resolve("private"), "secret");
        Files.setAttribute(root.resolve("private"), "unix:mode", 0600);
        Files.writeString(root.resolve("no-permissions"), "locked");
        Files.setAttribute(root.resolve("no-permissions"), "unix:mode", 0);

        // Owners other than root (chown clears set-id bits, so mode comes after).
        writeRandom(root.resolve("owned-setuid"), random, 500);
        chown(root.resolve("owned-setuid"), 1234, 5678);
        Files.setAttribute(root.resolve("owned-setuid"), "unix:mode", 04750);
        Files.createDirectories(root.resolve("owned-dir"));
        Files.writeString(root.resolve("owned-dir/inside"), "owned");
        chown(root.resolve("owned-dir"), 1234, 5678);
        chown(root.resolve("owned-dir/inside"), 1234, 5678);
        Files.createSymbolicLink(root.resolve("owned-link"), Path.of("owned-dir/inside"));
        chown(root.resolve("owned-link"), 1234, 5678);

        // User xattrs on a file and a directory, one with a binary value.
        UserDefinedFileAttributeView fileView = Files.getFileAttributeView(root.resolve("small.txt"), UserDefinedFileAttributeView.class);
        fileView.write("comment", StandardCharsets.UTF_8.encode("a note"));
        fileView.write("binary", ByteBuffer.wrap(new byte[]{0, 1, 2, (byte) 0xFF}));
        Files.getFileAttributeView(root.resolve("a"), UserDefinedFileAttributeView.class)
                .write("dir.attr", StandardCharsets.UTF_8.encode("on a directory"));

        // Names: spaces, a newline, bytes that are not UTF-8, 255 bytes (ASCII and multi-byte UTF-8).
        Files.writeString(root.resolve("name with spaces.txt"), "spaces\n");
        Files.writeString(root.resolve("line\nbreak"), "newline in the name\n");
        Files.writeString(RawPaths.resolve(root, NOT_UTF8_FILE), "latin-1 name\n");
        Path oddDir = Files.createDirectories(RawPaths.resolve(root, NOT_UTF8_DIR));
        Files.writeString(RawPaths.resolve(oddDir, NOT_UTF8_FILE), "inside a directory whose name is not UTF-8\n");
        Files.writeString(root.resolve("x".repeat(255)), "longest ASCII name\n");
        Files.writeString(root.resolve("é".repeat(127) + "z"), "longest name in two-byte characters\n");

        // Nanosecond mtimes on everything but symlinks, children before their directories.
        Instant base = Instant.parse("2021-03-04T05:06:07.123456789Z");
        List<Path> all;
        try (var walk = Files.walk(root)) {
            all = walk.sorted(Comparator.comparing(Path::getNameCount).reversed()).toList();
        }
        int i = 0;
        for (Path p : all) {
            Instant t = base.plusSeconds(3600L * i).plusNanos(7919L * i);
            if (p.equals(root) || Files.isSymbolicLink(p)) {
                continue;
            }
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.setLastModifiedTime(p, FileTime.from(t));
            } else {
                // The JDK opens the file to set times, and opening a FIFO blocks: touch uses utimensat.
                sh("touch", "-h", "-c", "-m", "-d", "@" + t.getEpochSecond() + "." + String.format("%09d", t.getNano()), p.toString());
            }
            i++;
        }
    }

    private static void chown(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    }
}
