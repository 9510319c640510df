package dr.summit.cli;

import dr.summit.orchestrator.OrchestratorConfig;

import java.nio.file.Path;

/** What the orchestrator's commands (server, token, audit, drill) share: the config file and --listen. */
final class OrchestratorCli {
    private OrchestratorCli() {
    }

    /**
     * The orchestrator's part of summit-dr's config file (the global --config, SUMMIT_CONFIG or the default
     * locations): its sources, scratch and report directories and webhooks live beside the CLI's option keys.
     */
    static OrchestratorConfig config(picocli.CommandLine.Model.CommandSpec spec) {
        Path file = Main.defaults.configPath().orElse(null);
        if (file == null) {
            return OrchestratorConfig.defaults();
        }
        java.util.Set<String> cliKeys = new java.util.HashSet<>(java.util.List.of("profiles", "s3"));
        ConfigCommand.commandsByOption(spec.root()).keySet().forEach(option -> cliKeys.add(option.equals("--repo") ? "repository" : option.substring(2)));
        cliKeys.addAll(spec.root().subcommands().keySet());
        try {
            return OrchestratorConfig.read(file, cliKeys);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
    }

    static String[] hostPort(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || !listen.substring(colon + 1).matches("\\d{1,5}") || Integer.parseInt(listen.substring(colon + 1)) > 65535) {
            throw new CommandFailure("--listen must be HOST:PORT (e.g. 127.0.0.1:9000), got '" + listen + "'", ExitCodes.USAGE);
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new String[]{host, listen.substring(colon + 1)};
    }
}
