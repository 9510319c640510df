package dr.summit.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.LogManager;

/**
 * Logging of one CLI run: SLF4J's simple provider on stderr (or {@code --log-file}), one line per event with
 * time, level and logger; java.util.logging (pgjdbc) bridged into it. The level comes from {@code --log-level},
 * {@code SUMMIT_LOG_LEVEL} or {@code -v} (each one step: warn, info, debug, trace); the default is {@code info}
 * for the long-running commands (agent, server, pg stream), whose log is their record of what they did, and
 * {@code warn} for the others, whose output already says it. Libraries (AWS SDK, Jetty, pgjdbc, Netty) stay at
 * warn unless the level is trace: their debug output is wire-level noise for an operator.
 *
 * <p>The simple provider reads its settings once, at first use, so they are set from the raw arguments before
 * anything logs (as with the config file; the options are also declared on {@link Main} for help and parsing).
 */
final class LogSetup {
    static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");
    private static final List<String> LONG_RUNNING = List.of("agent", "server", "stream");
    private static final List<String> LIBRARIES = List.of("software.amazon.awssdk", "org.eclipse.jetty", "org.postgresql",
            "io.netty", "org.neo4j", "org.apache");
    private static final String P = "org.slf4j.simpleLogger.";

    private LogSetup() {
    }

    /** Sets up logging for a run with these arguments; returns the level chosen. */
    static String configure(String[] args, Function<String, String> env) {
        String level = level(args, env);
        String file = Main.valueOf(args, "--log-file");
        if (file == null) {
            file = env.apply("SUMMIT_LOG_FILE");
        }
        setIfAbsent(P + "defaultLogLevel", level);
        setIfAbsent(P + "logFile", file == null || file.isBlank() ? "System.err" : file);
        setIfAbsent(P + "showDateTime", "true");
        setIfAbsent(P + "dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent(P + "showThreadName", "false");
        setIfAbsent(P + "showLogName", "false");
        setIfAbsent(P + "showShortLogName", "true");
        String libraries = level.equals("trace") ? "trace" : LEVELS.indexOf(level) < LEVELS.indexOf("warn") ? level : "warn";
        for (String library : LIBRARIES) {
            setIfAbsent(P + "log." + library, libraries);
        }
        // Jetty warns at every start that our thread pool's queue is bounded: it is, on purpose (the http module's
        // limits against floods); the advice is not for operators.
        setIfAbsent(P + "log.org.eclipse.jetty.util.thread.QueuedThreadPool", level.equals("trace") ? "trace" : "error");
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        LogManager.getLogManager().getLogger("").setLevel(julLevel(level));
        return level;
    }

    static String level(String[] args, Function<String, String> env) {
        String explicit = Main.valueOf(args, "--log-level");
        if (explicit == null) {
            explicit = env.apply("SUMMIT_LOG_LEVEL");
        }
        if (explicit != null && !explicit.isBlank()) {
            if (!LEVELS.contains(explicit.toLowerCase(Locale.ROOT))) {
                throw new CommandFailure("--log-level wants one of " + String.join(", ", LEVELS), ExitCodes.USAGE);
            }
            return explicit.toLowerCase(Locale.ROOT);
        }
        int verbosity = 0;
        boolean longRunning = false;
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (arg.equals("--verbose")) {
                verbosity++;
            } else if (arg.matches("-v+")) {
                verbosity += arg.length() - 1;
            } else if (LONG_RUNNING.contains(arg)) {
                longRunning = true;
            }
        }
        int base = LEVELS.indexOf(longRunning ? "info" : "warn");
        return LEVELS.get(Math.min(LEVELS.size() - 1, base + verbosity));
    }

    private static Level julLevel(String level) {
        return switch (level) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            default -> Level.FINEST;
        };
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
