package dr.summit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where an option's value comes from when the command line does not give it: its environment variable, then the
 * config file, then the default declared on the option. Every option thus has three names derived from one
 * declaration: {@code --exclude-file}, {@code SUMMIT_EXCLUDE_FILE}, config key {@code exclude-file}
 * ({@code summit-dr config options} lists them all). {@code --repo} is the one exception, kept as
 * {@code SUMMIT_REPOSITORY} and key {@code repository} for compatibility.
 */
final class OptionDefaults implements CommandLine.IDefaultValueProvider {
    /** Where a default came from; an option given on the command line outranks all of these. */
    enum Source { ENVIRONMENT, CONFIG_FILE }

    private final ConfigFile config;
    private final Function<String, String> env;
    private final Map<ArgSpec, Source> sources = Collections.synchronizedMap(new IdentityHashMap<>());

    OptionDefaults(ConfigFile config, Function<String, String> env) {
        this.config = config;
        this.env = env;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.longestName() == null || !option.longestName().startsWith("--")
                || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        String fromEnv = env.apply(envName(option));
        if (fromEnv != null && !fromEnv.isEmpty()) {
            sources.put(arg, Source.ENVIRONMENT);
            return fromEnv;
        }
        CommandSpec command = option.command();
        Optional<ConfigFile.Value> fromConfig = config.lookup(commandPath(command), configKey(option));
        if (fromConfig.isPresent()) {
            sources.put(arg, Source.CONFIG_FILE);
            return fromConfig.get().text();
        }
        return null;
    }

    /** Where the option's value came from if not from the command line; empty when it was its own default. */
    Optional<Source> source(OptionSpec option) {
        return Optional.ofNullable(sources.get(option));
    }

    java.util.Optional<java.nio.file.Path> configPath() {
        return config.path();
    }

    /** Options whose value names where a secret is (shown as "(set)" by config show: a command line may embed one). */
    static boolean isSecretSource(OptionSpec option) {
        return option.longestName().equals("--password-command");
    }

    static String configKey(OptionSpec option) {
        String name = option.longestName().substring(2);
        return name.equals("repo") ? "repository" : name;
    }

    static String envName(OptionSpec option) {
        return "SUMMIT_" + configKey(option).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** "pg backup" → ["pg", "backup"]; the root command → []. */
    static List<String> commandPath(CommandSpec command) {
        List<String> path = new ArrayList<>();
        for (CommandSpec c = command; c != null && c.parent() != null; c = c.parent()) {
            path.add(0, c.name());
        }
        return path;
    }
}
