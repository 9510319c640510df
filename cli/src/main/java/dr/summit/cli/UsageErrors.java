package dr.summit.cli;

import picocli.CommandLine;

import java.util.List;

/**
 * One-line usage errors that name options but never repeat a value from the command line: a
 * password or token typed in the wrong place must not end up in a log or a CI transcript.
 */
final class UsageErrors {
    private UsageErrors() {
    }

    static String describe(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> unmatched = u.getUnmatched();
            List<String> options = unmatched.stream().filter(a -> a.startsWith("-")).map(UsageErrors::optionName).distinct().toList();
            if (options.contains("--password")) {
                return "there is no --password option (a password on the command line is visible to every local user): "
                        + "use --password-file FILE, SUMMIT_PASSWORD_FILE or SUMMIT_PASSWORD";
            }
            if (!options.isEmpty()) {
                return "unknown option" + (options.size() > 1 ? "s " : " ") + String.join(", ", options.stream().map(o -> "'" + o + "'").toList())
                        + (unmatched.size() > options.size() ? " (and " + (unmatched.size() - options.size()) + " more arguments, not shown)" : "");
            }
            return unmatched.size() + " unexpected argument" + (unmatched.size() > 1 ? "s" : "") + " (not shown)";
        }
        if (e instanceof CommandLine.OverwrittenOptionException
                || e instanceof CommandLine.MissingParameterException || e instanceof CommandLine.MutuallyExclusiveArgsException) {
            return e.getMessage();   // names options and parameter labels only
        }
        if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec option) {
            return "invalid value for option '" + option.longestName() + "'" + reason(e);
        }
        if (e.getArgSpec() instanceof CommandLine.Model.PositionalParamSpec positional) {
            return "invalid value for " + positional.paramLabel() + reason(e);
        }
        return e.getMessage();
    }

    /** The cause's message when it explains the rule without quoting the value (e.g. "must be 1..19"). */
    private static String reason(CommandLine.ParameterException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException && cause.getMessage() != null && !cause.getMessage().contains("'")) {
            return ": " + cause.getMessage();
        }
        return " (see --help for the accepted form)";
    }

    private static String optionName(String arg) {
        int eq = arg.indexOf('=');
        return eq > 0 ? arg.substring(0, eq) : arg;
    }
}
