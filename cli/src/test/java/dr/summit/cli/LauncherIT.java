package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's habits through the real launcher (./summit-dr running the packaged jar), after package: a config
 * file instead of flags, excludes, dump to a pipe, find, the NDJSON stream and the exit codes scripts test for.
 */
class LauncherIT {
    private static final Path LAUNCHER = Path.of("..", "summit-dr").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    record Result(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    private Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(tmp.resolve("stderr").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SUMMIT_"));
        pb.environment().put("SUMMIT_NO_CDS", "1");
        pb.environment().put("HOME", tmp.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(tmp.resolve("stderr")));
    }

    @Test
    void configFileExcludesDumpFindStreamAndExitCodes() throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "launcher password\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        Path repo = tmp.resolve("repo");
        // ~/.config/summit-dr/config.toml: no repository or password flag anywhere below
        Path config = Files.createDirectories(tmp.resolve(".config/summit-dr")).resolve("config.toml");
        Files.writeString(config, "repository = \"" + repo + "\"\npassword-file = \"" + pw + "\"\n\n[backup]\nexclude-caches = true\n");
        Map<String, String> env = Map.of();
        assertThat(run(env, "init", "--kdf-memory-kib", "64", "--kdf-iterations", "1").exit()).isZero();

        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("keep.txt"), "kept\n");
        Files.writeString(src.resolve("skip.log"), "excluded by pattern\n");
        Path cache = Files.createDirectories(src.resolve("cache"));
        Files.writeString(cache.resolve("CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55\n");
        Files.writeString(cache.resolve("blob"), "excluded as a cache\n");
        Result backup = run(env, "backup", src.toString(), "--exclude", "*.log", "--json");
        assertThat(backup.exit()).as(backup.err()).isZero();
        String[] lines = backup.text().strip().split("\n");
        JsonNode summary = JSON.readTree(lines[lines.length - 1]);
        assertThat(summary.get("message_type").asText()).isEqualTo("summary");
        assertThat(summary.get("snapshot").asText()).hasSize(64);

        Result dump = run(env, "dump", "latest", "/src/keep.txt");
        assertThat(dump.exit()).isZero();
        assertThat(dump.text()).isEqualTo("kept\n");

        Result find = run(env, "find", "skip.log", "blob");
        assertThat(find.exit()).as("excluded files are nowhere").isEqualTo(ExitCodes.NOT_FOUND);
        Result found = run(env, "find", "keep.*", "--json");
        assertThat(JSON.readTree(found.out()).get(0).get("matches").get(0).get("path").asText()).isEqualTo("/src/keep.txt");

        Path wrong = Files.writeString(tmp.resolve("wrong"), "not it\n");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
        assertThat(run(Map.of("SUMMIT_PASSWORD_FILE", wrong.toString()), "snapshots").exit())
                .as("the variable beats the config file").isEqualTo(ExitCodes.WRONG_KEY);
        assertThat(run(env, "snapshots", "--repo", tmp.resolve("nothing").toString()).exit()).isEqualTo(ExitCodes.NO_REPOSITORY);
        Result json = run(env, "ls", "abcdef12", "--json");
        assertThat(json.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(JSON.readTree(json.err()).get("message_type").asText()).isEqualTo("error");
        assertThat(run(env, "--version").text()).startsWith("summit-dr ");
    }
}
