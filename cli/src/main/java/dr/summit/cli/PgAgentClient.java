package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.postgres.agent.AgentHttp;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * The client half of 'pg backup/restore --agent SOCKET': one HTTP/1.0 request with the command's
 * options to the resident agent, whose JVM is warm and whose repository is open (the key derivation
 * and JIT are paid once, there), then what the command printed there is printed here and its exit
 * code returned. An agent that cannot be reached (no socket, nobody listening, an older agent without
 * the route) means the command runs in-process, after one line on stderr, as wal-push falls back;
 * an agent that refused or failed mid-way is an error here, never retried in-process.
 */
final class PgAgentClient {
    private PgAgentClient() {
    }

    /** The agent to use: the option, else $SUMMIT_AGENT, else none. */
    static Path socket(Path option) {
        if (option != null) {
            return option;
        }
        String fromEnv = RepositoryOptions.env.apply("SUMMIT_AGENT");
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    /** Runs {@code job} ("pg/backup") in the agent: its exit code, or null when the caller should run in-process. */
    static Integer run(Path socket, String job, Map<String, Object> request, PrintWriter out, PrintWriter err) throws IOException {
        byte[] body = Json.MAPPER.writeValueAsBytes(request);
        String response;
        SocketChannel channel;
        try {
            channel = AgentHttp.connect(socket);
        } catch (IOException e) {
            err.println("summit-dr: the agent at " + socket + " cannot be reached (" + e.getMessage() + "): running in-process");
            err.flush();
            return null;
        }
        try (channel) {
            response = AgentHttp.send(channel, "POST", "/" + job, body);
        } catch (IOException e) {
            throw new CommandFailure("the agent at " + socket + " dropped the connection (" + e.getMessage()
                    + "); its journal says why");
        }
        if (response.isEmpty()) {
            // Closed at accept: a user it does not allow, or more connections than it takes.
            throw new CommandFailure("the agent at " + socket + " closed the connection without an answer (it serves only its own user, "
                    + "root and --allow-user, and a bounded number of connections): its journal says why");
        }
        AgentHttp.Reply reply = AgentHttp.parse(response);
        if (reply == null) {
            throw new CommandFailure("the agent at " + socket + " answered something that is not HTTP: "
                    + response.lines().findFirst().orElse(""));
        }
        int status = reply.status();
        String text = reply.body();
        if (status == 404) {
            err.println("summit-dr: the agent at " + socket + " does not run /" + job + " (started without --accept-commands, or an older version): running in-process");
            err.flush();
            return null;
        }
        if (status != 200) {
            String line = text.lines().findFirst().orElse("HTTP " + status).replaceFirst("^summit-dr agent: ", "");
            throw new CommandFailure("the agent at " + socket + (status >= 500 ? " failed: " : " refused: ") + line);
        }
        JsonNode result = Json.MAPPER.readTree(text);
        out.print(result.path("out").asText(""));
        out.flush();
        err.print(result.path("err").asText(""));
        err.flush();
        int exit = result.path("exit").asInt(ExitCodes.ERROR);
        if (result.hasNonNull("failure")) {
            throw new CommandFailure(result.get("failure").asText(), exit);
        }
        return exit;
    }
}
