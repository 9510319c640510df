package dr.summit.postgres.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        FutureTask<String> exchange = new FutureTask<>(() -> {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("GET /status HTTP/1.0\r\nHost: agent\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        });
        Thread worker = new Thread(exchange, "agent-status");
        worker.setDaemon(true);
        worker.start();
        String reply;
        try (channel) {
            reply = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
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

    static JsonNode parse(Path socket, String reply) throws IOException {
        int end = reply.indexOf("\r\n\r\n");
        if (!reply.startsWith("HTTP/") || reply.length() < 12 || end < 0) {
            throw new IOException("the agent at " + socket + " answered /status with something that is not HTTP");
        }
        String status = reply.substring(9, 12);
        String body = reply.substring(end + 4).strip();
        if (!status.equals("200")) {
            throw new IOException("the agent at " + socket + " answered /status with " + status + ": " + body);
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("the agent at " + socket + " answered /status with malformed JSON: " + e.getOriginalMessage(), e);
        }
    }
}
