package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** What backup reads: excludes, marker files, caches, --files-from and --dry-run, through the CLI. */
class BackupSelectionCliTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;
    Path src;

    @BeforeEach
    void init() throws Exception {
        repo = tmp.resolve("repo");
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "selection test password");
        ok(repo, pw, "init", CliTestSupport.FAST_INIT);
        src = tmp.resolve("src");
        Random random = new Random(20);
        CliTestSupport.writeRandom(src.resolve("docs/a.md"), random, 1000);
        CliTestSupport.writeRandom(src.resolve("docs/b.txt"), random, 1000);
        CliTestSupport.writeRandom(src.resolve("docs/deep/c.md"), random, 1000);
        CliTestSupport.writeRandom(src.resolve("cache/blob.bin"), random, 200_000);
        Files.writeString(src.resolve("cache/CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n");
        CliTestSupport.writeRandom(src.resolve("notacache/blob.bin"), random, 1000);
        Files.writeString(src.resolve("notacache/CACHEDIR.TAG"), "Signature: wrong\n");
        CliTestSupport.writeRandom(src.resolve("build/out.o"), random, 1000);
        Files.writeString(src.resolve("build/.nobackup"), "");
        CliTestSupport.writeRandom(src.resolve("Photos/IMG_1.JPG"), random, 1000);
        Files.createDirectories(src.resolve("logs"));
        Files.writeString(src.resolve("logs/keep.log"), "keep\n");
        Files.writeString(src.resolve("logs/x.log"), "x\n");
    }

    private List<String> latestPaths() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ok(repo, pw, "ls", "latest", "--json").nodes()) {
            if (e.get("type").asText().equals("file")) {
                out.add(e.get("path").asText());
            }
        }
        return out;
    }

    @Test
    void everyExcludeRuleLeavesOutWhatItNamesAndNothingElse() throws Exception {
        Path excludeFile = Files.writeString(tmp.resolve("excludes"), "# logs, but not the one we keep\n*.log\n\n!keep.log\n");

        ok(repo, pw, "backup", src.toString(), "--exclude", "*.md", "--iexclude", "*.jpg", "--exclude-file", excludeFile.toString(),
                "--exclude-if-present", ".nobackup", "--exclude-caches");

        assertThat(latestPaths()).containsExactlyInAnyOrder("/src/docs/b.txt", "/src/notacache/blob.bin",
                "/src/notacache/CACHEDIR.TAG", "/src/logs/keep.log");
    }

    @Test
    void anchoredPatternsAreAbsolutePathsAndDoubleStarSpansDirectories() {
        ok(repo, pw, "backup", src.toString(), "--exclude", src + "/docs/**/*.md", "--exclude", "/cache", "-x");

        List<String> paths = latestPaths();
        assertThat(paths).doesNotContain("/src/docs/a.md", "/src/docs/deep/c.md").contains("/src/docs/b.txt")
                .as("'/cache' is anchored at the file system root, not at the source").contains("/src/cache/blob.bin");
    }

    @Test
    void filesFromListsTheSources() throws Exception {
        Path list = Files.writeString(tmp.resolve("list"), "# two of them\n" + src.resolve("docs") + "\n\n" + src.resolve("logs") + "\n");

        JsonNode backup = ok(repo, pw, "backup", "--files-from", list.toString(), "--json").json();

        assertThat(backup.get("summary").get("files").asLong()).isEqualTo(5);
        assertThat(ok(repo, pw, "snapshots", "--json").json().get(0).get("paths").toString())
                .contains(src.resolve("docs").toString(), src.resolve("logs").toString());
    }

    @Test
    void dryRunCountsWhatWouldBeStoredAndWritesNothing() throws Exception {
        List<String> before = repoListing();

        JsonNode first = ok(repo, pw, "backup", src.toString(), "--dry-run", "--exclude-caches", "--json").json();

        assertThat(repoListing()).as("no lease, pack, index or snapshot written").isEqualTo(before);
        assertThat(first.get("dryRun").asBoolean()).isTrue();
        assertThat(first.get("files").asLong()).isEqualTo(10);
        assertThat(first.get("bytes").asLong()).isEqualTo(6 * 1000 + 17 + 5 + 2);
        assertThat(first.get("newBytes").asLong()).isPositive().isLessThanOrEqualTo(first.get("bytes").asLong());

        ok(repo, pw, "backup", src.toString(), "--exclude-caches");
        JsonNode second = ok(repo, pw, "backup", src.toString(), "--dry-run", "--exclude-caches", "--json").json();
        assertThat(second.get("newChunks").asLong()).isZero();
        assertThat(second.get("newBytes").asLong()).isZero();
        JsonNode withCache = ok(repo, pw, "backup", src.toString(), "--dry-run", "--json").json();
        assertThat(withCache.get("newBytes").asLong()).as("the cache's 200 kB are new").isGreaterThanOrEqualTo(200_000);
        assertThat(ok(repo, pw, "backup", src.toString(), "--dry-run").out()).contains("would back up 12 files").contains("nothing written");
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void badSelectionsAreUsageErrors() {
        assertOneLineError(run(repo, pw, "backup", src.toString(), "--exclude", "a[b"), ExitCodes.USAGE, "invalid pattern 'a[b'");
        assertOneLineError(run(repo, pw, "backup"), ExitCodes.USAGE, "nothing to back up");
        assertOneLineError(run(repo, pw, "backup", "--files-from", tmp.resolve("missing").toString()), ExitCodes.USAGE,
                "--files-from", "cannot read");
    }

    private List<String> repoListing() throws Exception {
        try (Stream<Path> s = Files.walk(repo)) {
            return s.map(p -> repo.relativize(p).toString()).sorted().toList();
        }
    }
}
