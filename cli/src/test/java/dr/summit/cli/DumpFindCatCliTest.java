package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** Getting data out without a restore: dump (file, tar, zip), find, cat; and the documented exit codes. */
class DumpFindCatCliTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;
    Path src;

    @BeforeEach
    void init() throws Exception {
        repo = tmp.resolve("repo");
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "dump find cat password");
        ok(repo, pw, "init", CliTestSupport.FAST_INIT);
        src = CliTestSupport.sampleTree(tmp.resolve("src"), 11);
        ok(repo, pw, "backup", src.toString());
    }

    @Test
    void dumpWritesOneFileToStdoutByteForByte() throws Exception {
        Process p = new ProcessBuilder(CliTestSupport.javaCommand("dump", "--repo", repo.toString(), "--password-file", pw.toString(),
                "latest", "/src/media/photo.raw")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).isEqualTo(Files.readAllBytes(src.resolve("media/photo.raw")));
    }

    @Test
    void dumpOfADirectoryIsATarThatTarExtracts() throws Exception {
        Path tar = tmp.resolve("docs.tar");
        ok(repo, pw, "dump", "latest", "/src/docs", "--target", tar.toString());
        Path x = Files.createDirectories(tmp.resolve("x"));
        Process p = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", x.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        assertThat(CliTestSupport.regularFiles(x.resolve("docs"))).usingRecursiveComparison()
                .isEqualTo(CliTestSupport.regularFiles(src.resolve("docs")));
        assertThat(Files.getLastModifiedTime(x.resolve("docs/readme.txt")).toMillis() / 1000)
                .isEqualTo(Files.getLastModifiedTime(src.resolve("docs/readme.txt")).toMillis() / 1000);

        Path whole = tmp.resolve("all.tar");
        ok(repo, pw, "dump", "latest", "/", "--target", whole.toString());
        Path y = Files.createDirectories(tmp.resolve("y"));
        assertThat(new ProcessBuilder("tar", "-xf", whole.toString(), "-C", y.toString()).inheritIO().start().waitFor()).isZero();
        assertThat(CliTestSupport.regularFiles(y.resolve("src"))).usingRecursiveComparison().isEqualTo(CliTestSupport.regularFiles(src));
        assertThat(Files.readSymbolicLink(y.resolve("src/latest"))).isEqualTo(Path.of("docs/reports/q2.bin"));
    }

    @Test
    void dumpAsZip() throws Exception {
        Path zip = tmp.resolve("media.zip");
        ok(repo, pw, "dump", "latest", "/src/media", "--archive", "zip", "--target", zip.toString());
        Map<String, byte[]> entries = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (!e.isDirectory()) {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    in.transferTo(b);
                    entries.put(e.getName(), b.toByteArray());
                }
            }
        }
        assertThat(entries.keySet()).containsExactly("media/clip.raw", "media/photo.raw");
        assertThat(entries.get("media/clip.raw")).isEqualTo(Files.readAllBytes(src.resolve("media/clip.raw")));
    }

    @Test
    void dumpOfAMissingPathIsNotFoundAndLeavesNoFile() {
        Path target = tmp.resolve("nothing.tar");
        assertOneLineError(run(repo, pw, "dump", "latest", "/src/nope", "--target", target.toString()), ExitCodes.NOT_FOUND,
                "no '/src/nope' in snapshot");
        assertThat(target).doesNotExist();
        assertOneLineError(run(repo, pw, "dump", "latest", "/src/../etc", "--target", target.toString()), ExitCodes.USAGE, "'..'");
        assertOneLineError(run(repo, pw, "dump", "latest", "/src/latest", "--target", target.toString()), ExitCodes.USAGE, "is a symlink");
    }

    @Test
    void findListsMatchingEntriesNewestSnapshotFirst() throws Exception {
        Files.writeString(src.resolve("docs/new.txt"), "only in the second snapshot\n");
        ok(repo, pw, "backup", src.toString());
        JsonNode found = CliTestSupport.JSON.readTree(ok(repo, pw, "find", "*.txt", "--json").out());
        assertThat(found).hasSize(2);
        assertThat(found.get(0).get("time").asText()).isGreaterThan(found.get(1).get("time").asText());
        assertThat(paths(found.get(0))).containsExactlyInAnyOrder("/src/docs/new.txt", "/src/docs/readme.txt", "/src/notes.txt");
        assertThat(paths(found.get(1))).containsExactlyInAnyOrder("/src/docs/readme.txt", "/src/notes.txt");

        JsonNode dir = CliTestSupport.JSON.readTree(ok(repo, pw, "find", "/src/docs", "--json").out());
        assertThat(paths(dir.get(0))).as("a matching directory, not all below it").containsExactly("/src/docs");
        assertThat(ok(repo, pw, "find", "-i", "PHOTO.*").out()).contains("/src/media/photo.raw");
        assertOneLineError(run(repo, pw, "find", "*.doesnotexist"), ExitCodes.NOT_FOUND, "nothing matches");
    }

    @Test
    void catDecodesConfigSnapshotAndTrees() throws Exception {
        JsonNode config = CliTestSupport.JSON.readTree(ok(repo, pw, "cat", "config").out());
        assertThat(config.get("repositoryId").asText()).isNotBlank();
        JsonNode snapshot = CliTestSupport.JSON.readTree(ok(repo, pw, "cat", "snapshot", "latest").out());
        assertThat(snapshot.get("paths").get(0).asText()).isEqualTo(src.toString());
        JsonNode root = CliTestSupport.JSON.readTree(ok(repo, pw, "cat", "tree", snapshot.get("tree").asText()).out());
        assertThat(root.get("nodes").get(0).get("path").asText()).isEqualTo("src");
        JsonNode media = CliTestSupport.JSON.readTree(ok(repo, pw, "cat", "tree", "latest:/src/media").out());
        List<String> names = media.get("nodes").findValuesAsText("path");
        assertThat(names).containsExactly("clip.raw", "photo.raw");
        long bytes = 0;
        for (JsonNode c : media.get("nodes").get(0).get("content")) {
            bytes += c.get("length").asLong();
        }
        assertThat(bytes).isEqualTo(Files.size(src.resolve("media/clip.raw")));
        assertOneLineError(run(repo, pw, "cat", "keys"), ExitCodes.USAGE, "cat knows config, snapshot, tree and index");
    }

    @Test
    void exitCodesTellMissingRepositoryWrongPasswordAndUnknownSnapshotApart() throws Exception {
        assertThat(run(tmp.resolve("no-such-repo"), pw, "snapshots").exit()).isEqualTo(ExitCodes.NO_REPOSITORY);
        Path wrong = CliTestSupport.passwordFile(tmp.resolve("wrong"), "not the password");
        assertThat(run(repo, wrong, "snapshots").exit()).isEqualTo(ExitCodes.WRONG_KEY);
        assertThat(run(repo, pw, "ls", "abcdef12").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    private static List<String> paths(JsonNode snapshotHits) {
        return snapshotHits.get("matches").findValuesAsText("path");
    }
}
