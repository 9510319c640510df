package dr.summit.cli;

import dr.summit.files.fs.RawPaths;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Random;

/** Builds and mutates the demo's sample tree: every kind of entry a restore must get right. */
final class SampleTree {
    private static final String[] WORDS = {"backup", "restore", "summit", "wal", "graph", "bucket", "snapshot", "key",
            "epoch", "pack", "index", "tree", "chunk", "drill", "recovery", "point", "time", "lsn", "replay", "verify"};

    private SampleTree() {
    }

    static void create(Path root, int sizeMiB, Random random) throws IOException {
        Files.createDirectories(root);
        long budget = (long) sizeMiB << 20;
        Path docs = Files.createDirectories(root.resolve("docs/reports/2026"));
        int i = 0;
        for (long used = 0; used < budget * 4 / 10; i++) {
            byte[] text = text(random, 2_000 + random.nextInt(200_000));
            Files.write(docs.resolveSibling(i % 3 == 0 ? "2026" : "").resolve("report-" + i + ".txt"), text);
            used += text.length;
        }
        Path bin = Files.createDirectories(root.resolve("data/blobs"));
        for (long used = 0; used < budget * 4 / 10; i++) {
            byte[] data = new byte[1 << 20 + random.nextInt(4)];
            random.nextBytes(data);
            Files.write(bin.resolve("blob-" + i + ".bin"), data);
            used += data.length;
        }
        // A sparse file: data at the start and in the middle, holes elsewhere.
        try (FileChannel ch = FileChannel.open(root.resolve("data/sparse.img"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(text(random, 100_000)), 0);
            ch.write(ByteBuffer.wrap(text(random, 100_000)), budget / 5);
            ch.write(ByteBuffer.wrap(new byte[]{1}), budget / 2 - 1);
        }
        Files.write(root.resolve("empty"), new byte[0]);
        Files.createSymbolicLink(root.resolve("latest-report"), Path.of("docs/reports/2026/report-0.txt"));
        Files.createLink(root.resolve("data/hardlink-to-first-blob"), firstBlob(bin));
        Files.write(root.resolve("name with spaces\nand a newline"), utf8("odd names survive\n"));
        Files.write(RawPaths.resolve(root, new byte[]{'l', 'a', 't', 'i', 'n', '1', '-', (byte) 0xE9, '.', 't', 'x', 't'}), utf8("not UTF-8\n"));
        Files.write(root.resolve("x".repeat(255)), utf8("longest name\n"));
        Path script = root.resolve("run.sh");
        Files.write(script, utf8("#!/bin/sh\necho hello\n"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(script, FileTime.from(Instant.parse("2020-02-29T12:34:56.123456789Z")));
        try {
            Files.getFileAttributeView(script, java.nio.file.attribute.UserDefinedFileAttributeView.class)
                    .write("summit.demo", ByteBuffer.wrap(utf8("xattr value")));
        } catch (IOException | UnsupportedOperationException noXattrs) {
            // File systems without user xattrs: the demo goes on without one.
        }
    }

    static void change(Path root, Random random) throws IOException {
        Path reports = root.resolve("docs/reports");
        try (var s = Files.list(reports)) {
            for (Path p : s.filter(Files::isRegularFile).limit(20).toList()) {
                byte[] old = Files.readAllBytes(p);
                byte[] insert = text(random, 500);
                byte[] changed = new byte[old.length + insert.length];
                int at = old.length / 2;
                System.arraycopy(old, 0, changed, 0, at);
                System.arraycopy(insert, 0, changed, at, insert.length);
                System.arraycopy(old, at, changed, at + insert.length, old.length - at);
                Files.write(p, changed);
            }
        }
        Files.write(root.resolve("docs/new-notes.txt"), text(random, 300_000));
        Files.move(root.resolve("docs/reports/report-1.txt"), root.resolve("docs/renamed-report.txt"));
        Files.delete(root.resolve("empty"));
    }

    private static Path firstBlob(Path bin) throws IOException {
        try (var s = Files.list(bin)) {
            return s.sorted().findFirst().orElseThrow();
        }
    }

    private static byte[] text(Random random, int length) {
        StringBuilder sb = new StringBuilder(length + 16);
        while (sb.length() < length) {
            sb.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(10) == 0 ? ".\n" : " ");
        }
        return sb.substring(0, length).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
