package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                err.println("summit-dr: the agent at " + socket + " cannot be reached (" + e.getMessage() + "): running in-process");
                err.flush();
                return null;
            }
            String head = "POST /" + job + " HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            try {
                ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
                ch.write(ByteBuffer.wrap(body));
                response = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CommandFailure("the agent at " + socket + " dropped the connection (" + e.getMessage()
                        + "); its journal says why");
            }
        }
        if (response.length() < 12 || !response.startsWith("HTTP/")) {
            // Closed at accept: a user it does not allow, or more connections than it takes.
            throw new CommandFailure("the agent at " + socket + " closed the connection without an answer (it serves only its own user, "
                    + "root and --allow-user, and a bounded number of connections): its journal says why");
        }
        java.util.regex.Matcher statusLine = java.util.regex.Pattern.compile("^HTTP/1\\.[01] (\\d{3}) ").matcher(response);
        if (!statusLine.find()) {
            throw new CommandFailure("the agent at " + socket + " answered something that is not HTTP: "
                    + response.lines().findFirst().orElse(""));
        }
        int status = Integer.parseInt(statusLine.group(1));
        int start = response.indexOf("\r\n\r\n");
        String text = start < 0 ? "" : response.substring(start + 4);
        if (status == 404) {
            err.println("summit-dr: the agent at " + socket + " does not run /" + job + " (started without --accept-commands, or an older version): running in-process");
            err.flush();
            return null;
        }
        if (status != 200) {
            String line = text.lines().findFirst().orElse("HTTP " + status).replaceFirst("^summit-dr agent: ", "");
            throw new CommandFailure("the agent at " + socket + (status >= 500 ? " failed: " : " refused: ") + line);
        }
        JsonNode reply = Json.MAPPER.readTree(text);
        out.print(reply.path("out").asText(""));
        out.flush();
        err.print(reply.path("err").asText(""));
        err.flush();
        int exit = reply.path("exit").asInt(ExitCodes.ERROR);
        if (reply.hasNonNull("failure")) {
            throw new CommandFailure(reply.get("failure").asText(), exit);
        }
        return exit;
    }
}
