package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** The config file, profiles, SUMMIT_* variables for every option, their precedence, and docs/options.md. */
class ConfigOptionsTest {
    @TempDir
    Path tmp;
    Path repoA;
    Path repoB;
    Path pw;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void init() throws Exception {
        RepositoryOptions.env = env::get;
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "config options password");
        repoA = tmp.resolve("a");
        repoB = tmp.resolve("b");
        CliTestSupport.ok(repoA, pw, "init", CliTestSupport.FAST_INIT);
        CliTestSupport.ok(repoB, pw, "init", CliTestSupport.FAST_INIT);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("f"), "x");
        CliTestSupport.ok(repoB, pw, "backup", src.toString(), "--tag", "in-b");
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    private Path config(String toml) throws Exception {
        return Files.writeString(tmp.resolve("config.toml"), toml);
    }

    private int snapshotCount(String... args) throws Exception {
        CliTestSupport.Run r = run(args);
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode list = CliTestSupport.JSON.readTree(r.out());
        return list.size();
    }

    @Test
    void aConfigFileGivesRepositoryPasswordAndPerCommandValues() throws Exception {
        Path file = config("repository = \"" + repoA + "\"\npassword-file = \"" + pw + "\"\n\n[snapshots]\njson = true\n\n"
                + "[profiles.offsite]\nrepository = \"" + repoB + "\"\n");
        assertThat(snapshotCount("snapshots", "--config", file.toString())).isZero();
        assertThat(snapshotCount("snapshots", "--config", file.toString(), "--profile", "offsite")).isOne();
        env.put("SUMMIT_CONFIG", file.toString());
        env.put("SUMMIT_PROFILE", "offsite");
        assertThat(snapshotCount("snapshots")).as("SUMMIT_CONFIG and SUMMIT_PROFILE").isOne();
        // the command line beats the environment, which beats the config file
        assertThat(snapshotCount("snapshots", "--repo", repoA.toString())).isZero();
        env.put("SUMMIT_REPOSITORY", repoA.toString());
        assertThat(snapshotCount("snapshots")).isZero();
        assertThat(snapshotCount("snapshots", "--repo", repoB.toString())).isOne();
    }

    @Test
    void everyOptionHasItsVariable() throws Exception {
        env.put("SUMMIT_REPOSITORY", repoB.toString());
        env.put("SUMMIT_PASSWORD_FILE", pw.toString());
        env.put("SUMMIT_JSON", "true");
        env.put("SUMMIT_TAG", "no-such-tag");
        assertThat(snapshotCount("snapshots")).as("--tag from SUMMIT_TAG filters everything out").isZero();
        assertThat(snapshotCount("snapshots", "--tag", "in-b")).isOne();
    }

    @Test
    void passwordSourcesFollowTheSamePrecedence() throws Exception {
        Path file = config("repository = \"" + repoA + "\"\npassword-file = \"" + pw + "\"\n");
        env.put("SUMMIT_CONFIG", file.toString());
        assertThat(run("snapshots").exit()).isZero();
        env.put("SUMMIT_PASSWORD_COMMAND", "echo wrong-password");
        assertThat(run("snapshots").exit()).as("the variable beats the config file").isEqualTo(ExitCodes.WRONG_KEY);
        assertThat(run("snapshots", "--password-file", pw.toString()).exit()).as("the option beats the variable").isZero();
    }

    @Test
    void badConfigurationIsAUsageErrorNamingTheFile() throws Exception {
        assertOneLineError(run("snapshots", "--config", tmp.resolve("missing.toml").toString()), ExitCodes.USAGE,
                "config file " + tmp.resolve("missing.toml") + " does not exist");
        Path broken = config("repository = \"unterminated\n");
        assertOneLineError(run("snapshots", "--config", broken.toString()), ExitCodes.USAGE, "config file " + broken + " is not valid TOML");
        Path ok = config("repository = \"" + repoA + "\"\n");
        assertOneLineError(run("snapshots", "--config", ok.toString(), "--profile", "nope"), ExitCodes.USAGE, "has no [profiles.nope] table");
    }

    @Test
    void docsOptionsIsGeneratedFromTheDeclarations() throws Exception {
        CliTestSupport.Run r = run("config", "options", "--markdown");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("| `--repo` | `SUMMIT_REPOSITORY` | `repository` |", "| `--exclude-file` | `SUMMIT_EXCLUDE_FILE` | `exclude-file` |");
        assertThat(Files.readString(Path.of("..", "docs", "options.md")))
                .as("docs/options.md is stale: regenerate with ./summit-dr config options --markdown > docs/options.md")
                .isEqualTo(r.out());
    }
}
