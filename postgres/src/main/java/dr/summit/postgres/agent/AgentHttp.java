package dr.summit.postgres.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One HTTP/1.0 exchange with the resident agent over its UNIX socket, for the clients in this JVM
 * ({@code pg status}, {@code pg backup/restore --agent}). HTTP/1.0 so the agent closes the
 * connection after its answer, and the body is everything after the headers: no chunked decoding,
 * no HTTP client library for one request to a local socket. Connecting is a step of its own because
 * the callers treat "nobody listens" differently from a failure after the agent took the request.
 */
public final class AgentHttp {
    private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/1\\.[01] (\\d{3})");

    private AgentHttp() {
    }

    /** An answer: its status code and its body as text. */
    public record Reply(int status, String body) {
    }

    /** A channel connected to the agent; an IOException means nobody listens there. */
    public static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Sends one request (a JSON body, or none when {@code body} is null) and reads the whole answer. */
    public static String send(SocketChannel channel, String method, String path, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.0\r\nHost: agent\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        try {
            channel.write(ByteBuffer.wrap(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1)));
            if (body != null) {
                ByteBuffer rest = ByteBuffer.wrap(body);
                while (rest.hasRemaining()) {
                    channel.write(rest);
                }
            }
        } catch (IOException writeFailed) {
            // The agent may answer before it has read the whole request (a 404 for a job it does not
            // run) and close: the write then fails with a broken pipe, but its answer is there to read.
            String answer;
            try {
                answer = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException readFailed) {
                writeFailed.addSuppressed(readFailed);
                throw writeFailed;
            }
            if (answer.isEmpty()) {
                throw writeFailed;
            }
            return answer;
        }
        return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The answer's status and body, or null when {@code raw} is not an HTTP answer (an agent that closed at accept). */
    public static Reply parse(String raw) {
        Matcher status = STATUS_LINE.matcher(raw);
        if (!status.find()) {
            return null;
        }
        int end = raw.indexOf("\r\n\r\n");
        return new Reply(Integer.parseInt(status.group(1)), end < 0 ? "" : raw.substring(end + 4));
    }
}
