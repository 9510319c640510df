package dr.summit.files;

import dr.summit.files.backup.Archiver;
import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small repositories, real temp trees and shell helpers shared by the files-module tests. */
public final class FilesTestSupport {
    /** Cheap key derivation and small chunks/packs, so a few MiB make many chunks and several packs. */
    public static final Repository.InitOptions FAST = new Repository.InitOptions(
            new ChunkerParams(64 * 1024, 128 * 1024, 512 * 1024), 1024 * 1024, Compression.ZSTD, 3,
            new Argon2Params(64, 1, 1));
    public static final char[] PASSWORD = "correct horse battery staple".toCharArray();

    private FilesTestSupport() {
    }

    public static void init(Path repoDir) {
        Repository.init(new LocalDirectoryStore(repoDir), PASSWORD, FAST).close();
    }

    public static Repository open(Path repoDir) {
        return Repository.open(new LocalDirectoryStore(repoDir), PASSWORD);
    }

    public static Archiver.Options options() {
        return Archiver.Options.defaults("test-host", "tester", "summit-dr test").withThreads(2, 2);
    }

    public static Archiver.Result backup(Path repoDir, Path source, Snapshot parent) throws InterruptedException {
        try (Repository repo = open(repoDir)) {
            return new Archiver(repo, options()).backup(List.of(source), parent);
        }
    }

    public static RestoreResult restore(Path repoDir, Snapshot snapshot, Path target, List<String> includes)
            throws InterruptedException {
        try (Repository repo = open(repoDir)) {
            Restorer.Options options = Restorer.Options.defaults().withIncludes(includes).withVerify(true);
            return new Restorer(repo, options).restore(snapshot, target);
        }
    }

    public static long dataBlobs(Repository repo) {
        long[] n = {0};
        repo.index().forEach(e -> {
            if (e.type() == BlobType.DATA) {
                n[0]++;
            }
        });
        return n[0];
    }

    public static byte[] randomBytes(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    public static Path writeRandom(Path file, Random random, int size) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, randomBytes(random, size));
    }

    /** Runs a command, fails on a non-zero exit, returns its trimmed output. */
    public static String sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    /** Bytes the file system allocated for a file (st_blocks × 512; the unix:* view has no st_blocks). */
    public static long allocatedBytes(Path file) throws IOException, InterruptedException {
        String[] parts = sh("stat", "-c", "%b %B", file.toString()).split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }

    /** Every path below {@code root}, relative, '/'-separated, for readable assertions. */
    public static List<String> relativePaths(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (var s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> out.add(root.relativize(p).toString()));
        }
        out.sort(null);
        return out;
    }

    /** Copies a directory tree (a repository, to fail the same run at different points). */
    public static void copyTree(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (java.nio.file.Files.isDirectory(p)) {
                    java.nio.file.Files.createDirectories(target);
                } else {
                    java.nio.file.Files.copy(p, target);
                }
            }
        }
    }

    /** Deletes a directory tree; an absent one is fine. */
    public static void deleteTree(Path root) throws IOException {
        if (!java.nio.file.Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }
}
