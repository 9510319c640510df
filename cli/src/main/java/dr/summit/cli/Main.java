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
        footer = {"", "Exit codes: 0 ok, 1 error, 2 usage error, 3 partial (e.g. unreadable source files), 10 no repository,",
                "12 wrong password or key, 13 snapshot or path not found, 130 interrupted.",
                "Repository: --repo or SUMMIT_REPOSITORY. Password: --password-file, --password-command, SUMMIT_PASSWORD_FILE or SUMMIT_PASSWORD.",
                "Every option --NAME can also come from $SUMMIT_NAME or the config file's key NAME (summit-dr config options)."})
public final class Main implements Runnable {
    /** The subcommands, in the order help lists them (registered in {@link #commandLine}). */
    private static final Class<?>[] SUBCOMMANDS = {InitCommand.class, BackupCommand.class, SnapshotsCommand.class, LsCommand.class,
            DumpCommand.class, FindCommand.class, CatCommand.class, RestoreCommand.class, DiffCommand.class, VerifyCommand.class,
            ForgetCommand.class, TagCommand.class, PruneCommand.class, StatsCommand.class, MetricsCommand.class, ReportCommand.class,
            KeyCommand.class, CryptCommand.class, RepairCommand.class, RepairGroupCommand.class, PgCommand.class, Neo4jCommand.class,
            AgentCommand.class, ServerCommand.class, TokenCommand.class, AuditCommand.class, DrillCommand.class, ConfigCommand.class,
            GenerateCommand.class, DemoCommand.class, CommandLine.HelpCommand.class};

    /**
     * Commands that need only their own model: when one is the first argument, picocli reflects over
     * it alone instead of all ~30 (about 0.3 s of a `snapshots`). Not the ones that read the whole
     * tree (config options, generate, help, server and drill check command names, the demo).
     */
    private static final java.util.Set<String> SELF_CONTAINED = java.util.Set.of("init", "backup", "snapshots", "ls", "dump",
            "find", "cat", "restore", "diff", "verify", "forget", "tag", "prune", "stats", "metrics", "report", "key", "crypt",
            "pg", "neo4j", "agent", "token", "audit");

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    // Read before parsing (see execute): declared here so that every command accepts and documents them.
    @Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Config file (TOML) with option values. Default: $SUMMIT_CONFIG, ~/.config/summit-dr/config.toml, /etc/summit-dr/config.toml.")
    String config;
    @Option(names = "--profile", paramLabel = "NAME", scope = CommandLine.ScopeType.INHERIT,
            description = "Use the config file's [profiles.NAME] table. Default: $SUMMIT_PROFILE.")
    String profile;

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "More log detail on stderr: once info, twice debug, three times trace (default: warn; info for agent, server, pg stream).")
    boolean[] verbose;
    @Option(names = {"-q", "--quiet"}, scope = CommandLine.ScopeType.INHERIT,
            description = "No progress display (it is drawn only when stderr is a terminal, and never with --json).")
    boolean quiet;
    @Option(names = "--log-level", paramLabel = "LEVEL", scope = CommandLine.ScopeType.INHERIT,
            description = "Log level: error, warn, info, debug or trace (overrides -v). Default: $SUMMIT_LOG_LEVEL.")
    String logLevel;
    @Option(names = "--log-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Append the log to FILE instead of stderr. Default: $SUMMIT_LOG_FILE.")
    String logFile;

    /** The defaults of the command line being executed (one at a time per JVM: the CLI, or a test). */
    static volatile OptionDefaults defaults = new OptionDefaults(ConfigFile.none(), name -> null);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static final String VERSION = "0.1.0";

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // Building picocli's model of every subcommand costs ~0.4 s of reflection and class
        // loading; the version, asked by scripts and health checks, needs none of it.
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println(new Version().getVersion()[0]);
            System.exit(0);
        }
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line with the given output streams; used by main and by tests. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean json = java.util.Arrays.asList(args).contains("--json");
        CommandLine cli = commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean debug = parseResult.hasMatchedOption("--debug")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--debug"));
            int code = ExitCodes.of(e);
            if (json) {
                err.println(errorJson(oneLine(e), code));
            } else {
                err.println("summit-dr: " + oneLine(e));
            }
            if (debug) {
                e.printStackTrace(err);
            }
            err.flush();
            return code;
        });
        cli.setParameterExceptionHandler((e, arguments) -> {
            // Picocli's messages quote the offending arguments: never echo a value (it may be a
            // password typed where it does not belong), only option names.
            String message = UsageErrors.describe(e) + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')";
            err.println(json ? errorJson(message, ExitCodes.USAGE) : "summit-dr: " + message);
            err.flush();
            return ExitCodes.USAGE;
        });
        Progress.enabled = Progress.decide(args);
        try {
            LogSetup.configure(args, name -> RepositoryOptions.env.apply(name));
            ConfigFile config = ConfigFile.locate(valueOf(args, "--config"), valueOf(args, "--profile"), name -> RepositoryOptions.env.apply(name));
            config.s3Properties().forEach((key, value) -> {
                if (System.getProperty(dr.summit.repository.store.s3.S3StoreOptions.PROPERTY_PREFIX + key) == null) {
                    System.setProperty(dr.summit.repository.store.s3.S3StoreOptions.PROPERTY_PREFIX + key, value);
                }
            });
            defaults = new OptionDefaults(config, name -> RepositoryOptions.env.apply(name));
            cli.setDefaultValueProvider(defaults);
        } catch (CommandFailure e) {
            err.println("summit-dr: " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Under --json an error is a JSON object on stderr too (one line), so a script reads both streams alike. */
    static String errorJson(String message, int code) {
        try {
            return dr.summit.repository.format.Json.MAPPER.writeValueAsString(
                    OutputOptions.object("message_type", "error", "exit_code", code, "message", message));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The value of a global option, found before picocli parses (the config file decides the defaults that
     * parsing applies): {@code --config FILE} or {@code --config=FILE}, up to a {@code --}.
     */
    static String valueOf(String[] args, String option) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) {
                return null;
            }
            if (args[i].equals(option) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(option + "=")) {
                return args[i].substring(option.length() + 1);
            }
        }
        return null;
    }

    /** The command line as it parses arguments: every subcommand, with -h/--help. */
    /** The whole command tree. */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /** The command tree for {@code args}: only the named subcommand when it is {@link #SELF_CONTAINED}. */
    static CommandLine commandLine(String[] args) {
        String only = args.length > 0 && SELF_CONTAINED.contains(args[0]) ? args[0] : null;
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> command : SUBCOMMANDS) {
            if (only == null || only.equals(command.getAnnotation(Command.class).name())) {
                cli.addSubcommand(command);
            }
        }
        addHelpOptions(cli);
        return cli;
    }

    /** Operator-facing one-line message for an exception. */
    static String oneLine(Throwable e) {
        if (e instanceof RepositoryException || e instanceof CommandFailure || e instanceof dr.summit.neo4j.Neo4jFailure) {
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
