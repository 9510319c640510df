package dr.summit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "config", description = "The configuration file and where option values come from.",
        subcommands = {ConfigCommand.Options.class, ConfigCommand.Show.class})
final class ConfigCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "options", description = {"Every option with its environment variable and config key, from the one declaration all three come from.",
            "docs/options.md is this list (--markdown); a test keeps it so."})
    static final class Options implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--markdown", description = "Print the Markdown table of docs/options.md.")
        boolean markdown;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.print(markdown ? markdown(spec.root()) : text(spec.root()));
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Which config file is read (and the profile), and the values it gives the command named after it.")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @CommandLine.Parameters(arity = "0..*", paramLabel = "COMMAND", description = "A command, e.g. 'pg backup' (default: the root).")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            CommandSpec target = spec.root();
            for (String word : command) {
                CommandLine sub = target.subcommands().get(word);
                if (sub == null) {
                    throw new CommandFailure("no command '" + String.join(" ", command) + "'", ExitCodes.USAGE);
                }
                target = sub.getCommandSpec();
            }
            out.println("config file: " + Main.defaults.configPath().map(Object::toString).orElse("(none)"));
            for (OptionSpec o : options(target).values()) {
                Main.defaults.source(o).ifPresent(source -> {
                    String value = OptionDefaults.isSecretSource(o) ? "(set)" : String.valueOf(o.defaultValue());
                    out.println("  " + o.longestName() + " = " + value + "   (" + (source == OptionDefaults.Source.ENVIRONMENT
                            ? "$" + OptionDefaults.envName(o) : "config key " + OptionDefaults.configKey(o)) + ")");
                });
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** Long options by name, for one command. */
    static Map<String, OptionSpec> options(CommandSpec command) {
        Map<String, OptionSpec> out = new TreeMap<>();
        for (OptionSpec o : command.options()) {
            if (o.longestName().startsWith("--") && !o.usageHelp() && !o.versionHelp()) {
                out.put(o.longestName(), o);
            }
        }
        return out;
    }

    /** One row per option name (an option shared by many commands, e.g. --repo, once, with the commands that have it). */
    static Map<String, List<String>> commandsByOption(CommandSpec root) {
        Map<String, List<String>> out = new TreeMap<>();
        collect(root, out);
        return out;
    }

    private static void collect(CommandSpec command, Map<String, List<String>> into) {
        if (command.parent() != null) {
            for (OptionSpec o : options(command).values()) {
                into.computeIfAbsent(o.longestName(), k -> new ArrayList<>()).add(command.qualifiedName(" ").replaceFirst("^summit-dr ", ""));
            }
        }
        command.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct()
                .filter(c -> !c.name().equals("help")).forEach(c -> collect(c, into));
    }

    static String text(CommandSpec root) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, List<String>> e : commandsByOption(root).entrySet()) {
            OptionSpec any = find(root, e.getKey());
            b.append(String.format("%-28s %-34s %-24s %s%n", e.getKey(), "$" + OptionDefaults.envName(any), OptionDefaults.configKey(any),
                    e.getValue().size() > 6 ? e.getValue().size() + " commands" : String.join(", ", e.getValue())));
        }
        return b.toString();
    }

    static String markdown(CommandSpec root) {
        StringBuilder b = new StringBuilder();
        b.append("# Options, environment variables and config keys\n\n")
                .append("Generated by `summit-dr config options --markdown`; `ConfigOptionsTest` fails when this file and the\n")
                .append("program disagree. Precedence: the command line, then the environment variable, then the config file\n")
                .append("(a `[command]` table, e.g. `[pg.backup]`, before the top level; `[profiles.NAME]` before both), then the\n")
                .append("option's own default.\n\n")
                .append("| option | environment | config key | commands |\n| --- | --- | --- | --- |\n");
        for (Map.Entry<String, List<String>> e : commandsByOption(root).entrySet()) {
            OptionSpec any = find(root, e.getKey());
            b.append("| `").append(e.getKey()).append("` | `").append(OptionDefaults.envName(any)).append("` | `")
                    .append(OptionDefaults.configKey(any)).append("` | ")
                    .append(e.getValue().size() > 6 ? "all " + e.getValue().size() + " commands that take it" : String.join(", ", e.getValue()))
                    .append(" |\n");
        }
        return b.toString();
    }

    private static OptionSpec find(CommandSpec command, String name) {
        OptionSpec o = command.findOption(name);
        if (o != null) {
            return o;
        }
        for (CommandLine sub : command.subcommands().values()) {
            OptionSpec found = find(sub.getCommandSpec(), name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
