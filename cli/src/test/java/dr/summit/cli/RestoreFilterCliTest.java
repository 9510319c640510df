package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** restore --include/--exclude with backup's patterns, original or snapshot paths, and no silent empty restore. */
class RestoreFilterCliTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;
    Path src;

    @BeforeEach
    void init() throws Exception {
        repo = tmp.resolve("repo");
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "restore filter password");
        ok(repo, pw, "init", CliTestSupport.FAST_INIT);
        src = CliTestSupport.sampleTree(tmp.resolve("src"), 5);
        Files.writeString(src.resolve("docs/we[ir]d*,{x}.txt"), "odd name\n");
        ok(repo, pw, "backup", src.toString());
    }

    private Map<String, byte[]> restore(String name, String... filters) throws Exception {
        Path target = tmp.resolve(name);
        String[] args = new String[filters.length + 3];
        args[0] = "latest";
        args[1] = "--target";
        args[2] = target.toString();
        System.arraycopy(filters, 0, args, 3, filters.length);
        ok(repo, pw, "restore", args);
        return CliTestSupport.regularFiles(target);
    }

    @Test
    void anAbsoluteIncludeIsTheOriginalPath() throws Exception {
        assertThat(restore("abs", "--include", src.resolve("docs/reports").toString()).keySet())
                .containsExactlyInAnyOrder("src/docs/reports/q1.bin", "src/docs/reports/q2.bin");
    }

    @Test
    void snapshotPathsAndUnanchoredPatternsWorkToo() throws Exception {
        assertThat(restore("snap", "--include", "/src/media").keySet())
                .containsExactlyInAnyOrder("src/media/photo.raw", "src/media/clip.raw");
        assertThat(restore("rel", "--include", "src/docs", "--exclude", "*.txt").keySet())
                .containsExactlyInAnyOrder("src/docs/reports/q1.bin", "src/docs/reports/q2.bin");
        assertThat(restore("glob", "--include", "*.raw", "--include", "**/q1.bin").keySet())
                .containsExactlyInAnyOrder("src/media/photo.raw", "src/media/clip.raw", "src/docs/reports/q1.bin");
    }

    @Test
    void excludesAloneRestoreEverythingElseByteForByteEvenOddNames() throws Exception {
        Map<String, byte[]> restored = restore("ex", "--exclude", "notes.txt", "--iexclude", "*.RAW");
        Map<String, byte[]> expected = new java.util.TreeMap<>();
        CliTestSupport.regularFiles(src).forEach((k, v) -> {
            if (!k.equals("notes.txt") && !k.endsWith(".raw")) {
                expected.put("src/" + k, v);
            }
        });
        assertThat(restored.keySet()).isEqualTo(expected.keySet()).contains("src/docs/we[ir]d*,{x}.txt");
        expected.forEach((k, v) -> assertThat(restored.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void anIncludeThatMatchesNothingFailsInsteadOfRestoringNothingQuietly() {
        assertOneLineError(run(repo, pw, "restore", "latest", "--target", tmp.resolve("none").toString(), "--include", "/no/such/path"),
                ExitCodes.ERROR, "nothing in snapshot", "matches", "no match for /no/such/path", src.toString());

        CliTestSupport.Run partly = run(repo, pw, "restore", "latest", "--target", tmp.resolve("partly").toString(),
                "--include", src.resolve("notes.txt").toString(), "--include", "/nope", "--json");
        assertThat(partly.exit()).as(partly.toString()).isEqualTo(ExitCodes.ERROR);
        JsonNode json = partly.json();
        assertThat(json.get("files").asLong()).isEqualTo(1);
        assertThat(json.get("unmatchedIncludes").toString()).isEqualTo("[\"/nope\"]");
        assertThat(Files.exists(tmp.resolve("partly/src/notes.txt"))).isTrue();
    }
}
