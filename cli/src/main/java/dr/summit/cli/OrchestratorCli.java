package dr.summit.cli;

import dr.summit.orchestrator.OrchestratorConfig;

import java.nio.file.Path;

/** What the orchestrator's commands (server, token, audit, drill) share: the config file and --listen. */
final class OrchestratorCli {
    private OrchestratorCli() {
    }

    static OrchestratorConfig config(Path file) {
        if (file == null) {
            return OrchestratorConfig.defaults();
        }
        try {
            return OrchestratorConfig.read(file);
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
