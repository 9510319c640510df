package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Output for scripts: errors as JSON under --json, the same key order every run, no progress off a terminal. */
class ScriptableOutputCliTest {
    @TempDir
    Path tmp;

    @Test
    void errorsAreJsonUnderJson() throws Exception {
        Path pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "scriptable output password");
        CliTestSupport.Run r = CliTestSupport.run(tmp.resolve("none"), pw, "snapshots", "--json");
        assertThat(r.exit()).isEqualTo(ExitCodes.NO_REPOSITORY);
        assertThat(r.errLines()).hasSize(1);
        JsonNode error = CliTestSupport.JSON.readTree(r.err());
        assertThat(error.get("message_type").asText()).isEqualTo("error");
        assertThat(error.get("exit_code").asInt()).isEqualTo(ExitCodes.NO_REPOSITORY);
        assertThat(error.get("message").asText()).contains("no repository at " + tmp.resolve("none"));

        CliTestSupport.Run usage = CliTestSupport.run("snapshots", "--json", "--no-such-option");
        assertThat(usage.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliTestSupport.JSON.readTree(usage.err()).get("message").asText()).contains("--no-such-option");
    }

    @Test
    void keysComeInTheSameOrderEveryRun() throws Exception {
        Path repo = tmp.resolve("repo");
        Path pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "scriptable output password");
        CliTestSupport.ok(repo, pw, "init", CliTestSupport.FAST_INIT);
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(src.resolve("f" + i), "v" + i);
            CliTestSupport.ok(repo, pw, "backup", src.toString());
        }
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            outputs.add(CliTestSupport.ok(repo, pw, "forget", "--keep-last", "1", "--dry-run", "--json").out().replaceAll("\"(\\w+)\" : [0-9]+", "\"$1\" : N"));
            outputs.add(CliTestSupport.ok(repo, pw, "diff", firstId(repo, pw), "latest", "--json").out()
                    .replaceAll("\"(\\w+)\" : [0-9]+", "\"$1\" : N"));
        }
        assertThat(outputs.subList(2, 8)).containsExactly(outputs.get(0), outputs.get(1), outputs.get(0), outputs.get(1), outputs.get(0), outputs.get(1));
    }

    private static String firstId(Path repo, Path pw) {
        return CliTestSupport.ok(repo, pw, "snapshots", "--json").json().get(0).get("id").asText();
    }

    @Test
    void noProgressWhenStderrIsNotATerminalOrUnderJson() {
        // surefire's stderr is a pipe: progress must be off whatever stdin/stdout are
        assertThat(Progress.decide(new String[]{"backup", "/x"})).isFalse();
        assertThat(Progress.decide(new String[]{"backup", "--json", "/x"})).isFalse();
        assertThat(Progress.stderrIsTerminal()).isFalse();
    }
}
