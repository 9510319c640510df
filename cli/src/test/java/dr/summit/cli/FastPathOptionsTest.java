package dr.summit.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shell fast paths (summit-dr's 'pg wal-fetch' branch, summit-dr-wal-push) list the options of
 * the JVM commands they stand in for; these lists are the picocli model's, so an option added to
 * the commands (or to the repository mixin) fails here until the scripts know it.
 */
class FastPathOptionsTest {

    @Test
    void walPushClientListsExactlyTheOptionsOfPgWalPush() throws Exception {
        assertListed(Path.of("..", "summit-dr-wal-push"), "", "wal-push");
    }

    @Test
    void nativeWalPushClientListsExactlyTheOptionsOfPgWalPush() throws Exception {
        Path source = Path.of("src", "main", "c", "summit-dr-wal-push-client.c");
        String text = Files.readString(source);
        TreeSet<String> values = new TreeSet<>();
        TreeSet<String> flags = new TreeSet<>();
        for (OptionSpec option : subcommand("wal-push").options()) {
            (option.arity().max() > 0 ? values : flags).addAll(Arrays.asList(option.names()));
        }
        String expectedValues = "static const char VALUE_OPTIONS[] = \" " + String.join(" ", values) + " \";";
        String expectedFlags = "static const char FLAG_OPTIONS[] = \" " + String.join(" ", flags) + " \";";
        assertThat(line(text, "static const char VALUE_OPTIONS[] ")).as("%s: replace the line with%n%s", source, expectedValues)
                .isEqualTo(expectedValues);
        assertThat(line(text, "static const char FLAG_OPTIONS[] ")).as("%s: replace the line with%n%s", source, expectedFlags)
                .isEqualTo(expectedFlags);
    }

    @Test
    void launcherFetchPathListsExactlyTheOptionsOfPgWalFetch() throws Exception {
        assertListed(Path.of("..", "summit-dr"), "fetch_", "wal-fetch");
    }

    @Test
    void fastPathsTakeTheSameNumberOfPositionalsAsTheCommands() {
        assertThat(subcommand("wal-push").positionalParameters()).hasSize(1);
        assertThat(subcommand("wal-fetch").positionalParameters()).hasSize(2);
    }

    private static void assertListed(Path script, String prefix, String command) throws Exception {
        String text = Files.readString(script);
        CommandLine.Model.CommandSpec spec = subcommand(command);
        TreeSet<String> values = new TreeSet<>();
        TreeSet<String> flags = new TreeSet<>();
        for (OptionSpec option : spec.options()) {
            (option.arity().max() > 0 ? values : flags).addAll(Arrays.asList(option.names()));
        }
        String expectedValues = prefix + "value_options=' " + String.join(" ", values) + " '";
        String expectedFlags = prefix + "flag_options=' " + String.join(" ", flags) + " '";
        assertThat(line(text, prefix + "value_options")).as("%s: replace the line with%n%s", script, expectedValues).isEqualTo(expectedValues);
        assertThat(line(text, prefix + "flag_options")).as("%s: replace the line with%n%s", script, expectedFlags).isEqualTo(expectedFlags);
    }

    private static CommandLine.Model.CommandSpec subcommand(String name) {
        return Main.commandLine().getSubcommands().get("pg").getSubcommands().get(name).getCommandSpec();
    }

    private static String line(String text, String variable) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(variable) + "=.*$").matcher(text);
        return m.find() ? m.group() : "(no " + variable + "= line)";
    }
}
