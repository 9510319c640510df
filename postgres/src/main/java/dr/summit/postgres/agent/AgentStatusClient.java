package dr.summit.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the resident agent's {@code GET /status} over its UNIX socket. {@code pg status} uses it for
 * what only the agent knows: the receiver's own state and its last error (the primary sees a
 * receiver that is down only as an inactive slot, never why). One request per call, HTTP/1.0 so the
 * agent closes the connection after its answer and the body is everything after the headers; a
 * hung agent costs at most {@code timeout}.
 */
public final class AgentStatusClient {
    private AgentStatusClient() {
    }

    /** The agent's status document; an IOException names the socket and what went wrong. */
    public static JsonNode read(Path socket, Duration timeout) throws IOException {
        FutureTask<String> exchange = new FutureTask<>(() -> {
            try (SocketChannel channel = AgentHttp.connect(socket)) {
                return AgentHttp.send(channel, "GET", "/status", null);
            }
        });
        Thread worker = new Thread(exchange, "agent-status");
        worker.setDaemon(true);
        worker.start();
        String reply;
        try {
            reply = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            worker.interrupt(); // closes the channel of an interruptible read
            throw new IOException("the agent at " + socket + " did not answer /status within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException("cannot reach the agent at " + socket + ": " + (cause.getMessage() == null
                    ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the agent at " + socket + " for its status", e);
        }
        return parse(socket, reply);
    }

    static JsonNode parse(Path socket, String raw) throws IOException {
        AgentHttp.Reply reply = AgentHttp.parse(raw);
        if (reply == null) {
            throw new IOException("the agent at " + socket + " answered /status with something that is not HTTP");
        }
        String body = reply.body().strip();
        if (reply.status() != 200) {
            throw new IOException("the agent at " + socket + " answered /status with " + reply.status() + ": " + body);
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("the agent at " + socket + " answered /status with malformed JSON: " + e.getOriginalMessage(), e);
        }
    }
}
