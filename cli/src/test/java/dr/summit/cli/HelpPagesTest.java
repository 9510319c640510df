package dr.summit.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command's help page renders without a picocli warning. Picocli reports a bad format string ('%p' in a
 * description) on System.err through its tracer, not on the command's writer, so the test watches System.err.
 */
class HelpPagesTest {
    /**
     * A self-contained command's model is built alone (no reflection over the other ~30): its own help
     * page, inherited options included, must be the one the whole tree gives, and a command that reads
     * the tree must still get all of it.
     */
    @Test
    void aCommandBuiltAloneHasTheSameHelpPageAsInTheWholeTree() {
        CommandLine whole = Main.commandLine();
        for (String name : List.of("snapshots", "backup", "restore", "pg", "neo4j", "prune", "agent")) {
            CommandLine alone = Main.commandLine(new String[]{name, "--help"});
            assertThat(alone.getSubcommands().keySet()).as(name).containsExactly(name);
            StringWriter expected = new StringWriter();
            whole.getSubcommands().get(name).usage(new PrintWriter(expected));
            StringWriter actual = new StringWriter();
            alone.getSubcommands().get(name).usage(new PrintWriter(actual));
            assertThat(actual.toString()).as(name).isEqualTo(expected.toString());
            assertThat(alone.getSubcommands().get(name).getCommandSpec().optionsMap()).as(name + " options")
                    .containsOnlyKeys(whole.getSubcommands().get(name).getCommandSpec().optionsMap().keySet());
        }
        for (String name : List.of("config", "generate", "help", "server", "drill", "demo", "--help", "bogus")) {
            assertThat(Main.commandLine(new String[]{name}).getSubcommands().keySet()).as(name)
                    .containsExactlyElementsOf(whole.getSubcommands().keySet());
        }
        assertThat(Main.commandLine(new String[0]).getSubcommands()).hasSameSizeAs(whole.getSubcommands());
    }

    @Test
    void everyHelpPageRendersWithoutWarnings() {
        List<CommandLine> commands = new ArrayList<>();
        collect(Main.commandLine(), commands);
        assertThat(commands).hasSizeGreaterThan(30);
        PrintStream originalErr = System.err;
        ByteArrayOutputStream tracer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(tracer, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine command : commands) {
                StringWriter page = new StringWriter();
                command.usage(new PrintWriter(page));
                String name = command.getCommandSpec().qualifiedName();
                assertThat(page.toString()).as(name).contains("Usage:").doesNotContain("%n", "%%");
                assertThat(tracer.toString(StandardCharsets.UTF_8)).as("warnings while rendering " + name).isEmpty();
            }
        } finally {
            System.setErr(originalErr);
        }
    }

    @Test
    void percentSignsSurviveInHelpText() {
        StringWriter page = new StringWriter();
        Main.commandLine().getSubcommands().get("pg").getSubcommands().get("wal-push").usage(new PrintWriter(page));
        assertThat(page.toString()).contains("wal-push %p");
    }

    private static void collect(CommandLine command, List<CommandLine> into) {
        into.add(command);
        command.getSubcommands().values().stream().distinct().forEach(c -> collect(c, into));
    }
}
