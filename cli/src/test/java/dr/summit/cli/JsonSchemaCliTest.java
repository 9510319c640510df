package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Every documented JSON shape (docs/json-schema, listed in docs/json-output.md) against real output. */
class JsonSchemaCliTest {
    private static final Path SCHEMAS = Path.of("..", "docs", "json-schema");
    @TempDir
    Path tmp;

    @Test
    void realOutputMatchesEachDocumentedSchema() throws Exception {
        Path repo = tmp.resolve("repo");
        Path pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "json schema password");
        check("init", CliTestSupport.ok(repo, pw, "init", "--json", "--kdf-memory-kib", "64", "--kdf-iterations", "1").out());
        Path src = CliTestSupport.sampleTree(tmp.resolve("src"), 3);
        check("backup", CliTestSupport.ok(repo, pw, "backup", src.toString(), "--json").out());
        Files.writeString(src.resolve("notes.txt"), "changed\n");
        check("backup", CliTestSupport.ok(repo, pw, "backup", src.toString(), "--json", "--tag", "second").out());
        check("snapshots", CliTestSupport.ok(repo, pw, "snapshots", "--json").out());
        String[] ls = CliTestSupport.ok(repo, pw, "ls", "latest", "--json").out().strip().split("\n");
        assertThat(ls.length).isGreaterThan(5);
        for (String line : ls) {
            check("ls", line);
        }
        assertThat(ls[0]).startsWith("{\"message_type\":\"snapshot\"");
        check("find", CliTestSupport.ok(repo, pw, "find", "*.txt", "--json").out());
        check("restore", CliTestSupport.ok(repo, pw, "restore", "latest", "--target", tmp.resolve("r").toString(), "--json").out());
        check("verify", CliTestSupport.ok(repo, pw, "verify", "--json").out());
        check("stats", CliTestSupport.ok(repo, pw, "stats", "--json").out());
        check("forget", CliTestSupport.ok(repo, pw, "forget", "--keep-last", "1", "--dry-run", "--json").out());
        check("error", CliTestSupport.run(repo, pw, "ls", "abcdef12", "--json").err());
    }

    @Test
    void statusLinesComeAtMostOnceASecondAndMatchTheirSchema() throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        java.io.PrintWriter out = new java.io.PrintWriter(text);
        long[] done = {0};
        try (StatusLines status = StatusLines.start(true, out, () -> {
            java.util.Map<String, Object> line = new java.util.LinkedHashMap<>();
            done[0] += 100;
            StatusLines.putFraction(line, done[0], 1000);
            line.put("files_done", 1L);
            line.put("bytes_done", done[0]);
            line.put("total_bytes", 1000L);
            return line;
        })) {
            Thread.sleep(2_500);
        }
        OutputOptions.printSummary(out, new java.util.LinkedHashMap<>(java.util.Map.of("files", 1)));
        String[] lines = text.toString().strip().split("\n");
        assertThat(lines.length).as(text.toString()).isBetween(3, 4);
        for (int i = 0; i < lines.length - 1; i++) {
            check("status", lines[i]);
        }
        assertThat(CliTestSupport.summaryOf(text.toString())).isEqualTo("{\"message_type\":\"summary\",\"files\":1}");
        assertThat(StatusLines.start(false, out, java.util.Map::of)).as("nothing without --json").isNull();
    }

    @Test
    void aSchemaRejectsOutputOfAnotherShape() throws Exception {
        // the check itself can fail: a backup summary is not a snapshot listing
        Set<ValidationMessage> errors = schema("snapshots").validate(CliTestSupport.JSON.readTree("{\"snapshot\":\"x\"}"));
        assertThat(errors).isNotEmpty();
    }

    @Test
    void everySchemaIsListedInTheDocument() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "json-output.md"));
        try (var files = Files.list(SCHEMAS)) {
            files.forEach(f -> assertThat(doc).as(f.getFileName().toString()).contains("json-schema/" + f.getFileName()));
        }
    }

    private static void check(String name, String output) throws Exception {
        JsonNode node = CliTestSupport.JSON.readTree(CliTestSupport.summaryOf(output));
        Set<ValidationMessage> errors = schema(name).validate(node);
        assertThat(errors).as("%s output against %s.schema.json:%n%s", name, name, output).isEmpty();
    }

    private static JsonSchema schema(String name) throws Exception {
        JsonNode schema = CliTestSupport.JSON.readTree(Files.readString(SCHEMAS.resolve(name + ".schema.json")));
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
    }
}
