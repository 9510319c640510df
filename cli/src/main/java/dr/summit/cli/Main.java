package dr.summit.cli;

import dr.summit.repository.RepositoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** Entry point of {@code summit-dr}. */
@Command(name = "summit-dr", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Backup and disaster recovery: one encrypted, deduplicated repository for files, PostgreSQL and Neo4j.",
        subcommands = {InitCommand.class, BackupCommand.class, SnapshotsCommand.class, LsCommand.class,
                RestoreCommand.class, DiffCommand.class, VerifyCommand.class, ForgetCommand.class, TagCommand.class, PruneCommand.class,
                StatsCommand.class, KeyCommand.class, CryptCommand.class, RepairCommand.class, RepairGroupCommand.class, PgCommand.class, AgentCommand.class, ServerCommand.class, TokenCommand.class, AuditCommand.class, DrillCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 error, 2 usage error, 3 partial (e.g. unreadable source files).",
                "Repository: --repo or SUMMIT_REPOSITORY. Password: --password-file, SUMMIT_PASSWORD_FILE or SUMMIT_PASSWORD."})
public final class Main implements Runnable {
    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static final String VERSION = "0.1.0";

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line with the given output streams; used by main and by tests. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean debug = parseResult.hasMatchedOption("--debug")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--debug"));
            err.println("summit-dr: " + oneLine(e));
            if (debug) {
                e.printStackTrace(err);
            }
            err.flush();
            return e instanceof CommandFailure f ? f.exitCode() : ExitCodes.ERROR;
        });
        cli.setParameterExceptionHandler((e, arguments) -> {
            // Picocli's messages quote the offending arguments: never echo a value (it may be a
            // password typed where it does not belong), only option names.
            err.println("summit-dr: " + UsageErrors.describe(e) + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return ExitCodes.USAGE;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The command line as it parses arguments: every subcommand, with -h/--help. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        addHelpOptions(cli);
        return cli;
    }

    /** Operator-facing one-line message for an exception. */
    static String oneLine(Throwable e) {
        if (e instanceof RepositoryException || e instanceof CommandFailure) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return u.getCause().getMessage();
        }
        if (e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (raise the heap with SUMMIT_JAVA_OPTS=-Xmx…)";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"summit-dr " + VERSION + " (repository format 1, Java " + System.getProperty("java.version") + ")"};
        }
    }

    /** Every subcommand answers -h/--help (operators type "summit-dr backup --help"). */
    private static void addHelpOptions(CommandLine command) {
        if (command.getCommandSpec().optionsMap().get("--help") == null) {
            command.getCommandSpec().addOption(picocli.CommandLine.Model.OptionSpec.builder("-h", "--help")
                    .usageHelp(true).description("Show this help message and exit.").build());
        }
        command.getSubcommands().values().forEach(Main::addHelpOptions);
    }
}
