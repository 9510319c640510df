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
