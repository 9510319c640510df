package dr.summit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Completion scripts and man pages are generated from the command model and work with the real tools. */
class GenerateCliTest {
    @TempDir
    Path tmp;

    @Test
    void onePagePerCommandWithEveryOptionAndGroffRendersThemWithoutWarnings() throws Exception {
        Path man = tmp.resolve("man1");
        CliTestSupport.Run r = CliTestSupport.run("generate", "--man", man.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        List<CommandSpec> commands = ManPages.allCommands(Main.commandLine().getCommandSpec());
        try (var files = Files.list(man)) {
            assertThat(files.count()).isEqualTo(commands.size());
        }
        String backup = Files.readString(man.resolve("summit-dr-backup.1"));
        assertThat(backup).startsWith(".\\\"").contains(".TH \"SUMMIT-DR-BACKUP\" 1", ".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS");
        CommandSpec backupSpec = Main.commandLine().getSubcommands().get("backup").getCommandSpec();
        for (OptionSpec o : backupSpec.options()) {
            if (!o.usageHelp() && !o.versionHelp() && !o.hidden()) {
                assertThat(backup).as(o.longestName()).contains(ManPages.escape(o.longestName()));
            }
        }
        assertThat(man.resolve("summit-dr-pg-backup.1")).exists();
        assumeTrue(new File("/usr/bin/groff").canExecute(), "groff renders the pages where it is installed");
        for (CommandSpec c : commands) {
            Path page = man.resolve(ManPages.fileName(c));
            Process p = new ProcessBuilder("groff", "-man", "-Tutf8", "-ww", "-z", page.toString()).redirectErrorStream(true).start();
            String warnings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).isZero();
            assertThat(warnings).as(page.toString()).isEmpty();
        }
    }

    @Test
    void bashCompletionCompletesCommandsAndOptions() throws Exception {
        Path script = tmp.resolve("summit-dr.bash");
        assertThat(CliTestSupport.run("generate", "--bash-completion", script.toString(), "--zsh-completion", tmp.resolve("_summit-dr").toString()).exit()).isZero();
        assertThat(complete(script, "summit-dr", "ba")).contains("backup");
        assertThat(complete(script, "summit-dr", "backup", "--exclude-c")).contains("--exclude-caches");
        assertThat(complete(script, "summit-dr", "pg", "ba")).contains("backup");
        assertThat(Files.readString(tmp.resolve("_summit-dr"))).startsWith("#compdef summit-dr");
    }

    private static String complete(Path script, String... words) throws Exception {
        String array = String.join(" ", java.util.Arrays.stream(words).map(w -> "'" + w + "'").toList());
        String command = "source '" + script + "'; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; COMP_LINE='" + String.join(" ", words) + "'; COMP_POINT=${#COMP_LINE}; "
                + "$(complete -p summit-dr | sed -E 's/.*-F ([^ ]+).*/\\1/'); printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void nothingToGenerateIsAUsageError() {
        CliTestSupport.assertOneLineError(CliTestSupport.run("generate"), ExitCodes.USAGE, "say what to generate");
    }
}
