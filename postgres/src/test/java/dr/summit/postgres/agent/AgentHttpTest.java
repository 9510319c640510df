package dr.summit.postgres.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentHttpTest {
    @TempDir
    Path dir;

    @Test
    void aRequestWithABodyCarriesItsLengthAndTheWholeAnswerComesBack() throws Exception {
        Path socket = dir.resolve("agent.sock");
        byte[] body = "{\"x\":\"é\"}".getBytes(StandardCharsets.UTF_8);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> answer(server, "HTTP/1.0 409 Conflict\r\nX: y\r\n\r\nbusy\n"));
            String raw;
            try (SocketChannel channel = AgentHttp.connect(socket)) {
                raw = AgentHttp.send(channel, "POST", "/pg/backup", body);
            }
            String request = seen.get();
            assertThat(request).startsWith("POST /pg/backup HTTP/1.0\r\n")
                    .contains("Content-Length: " + body.length + "\r\n")
                    .endsWith("\r\n\r\n{\"x\":\"é\"}");
            AgentHttp.Reply reply = AgentHttp.parse(raw);
            assertThat(reply.status()).isEqualTo(409);
            assertThat(reply.body()).isEqualTo("busy\n");
        }
    }

    @Test
    void whatIsNotAnHttpAnswerParsesToNothing() {
        assertThat(AgentHttp.parse("")).isNull();
        assertThat(AgentHttp.parse("SSH-2.0-OpenSSH\r\n")).isNull();
        assertThat(AgentHttp.parse("HTTP/1.1 200 OK\r\n")).isEqualTo(new AgentHttp.Reply(200, ""));
    }

    @Test
    void nobodyListeningFailsAtConnect() {
        assertThatThrownBy(() -> AgentHttp.connect(dir.resolve("gone.sock"))).isInstanceOf(IOException.class);
    }

    /** Reads one request (headers, then Content-Length bytes of body), answers, closes; returns the request. */
    private static String answer(ServerSocketChannel server, String response) {
        try (SocketChannel peer = server.accept()) {
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            String text = "";
            while (true) {
                int end = text.indexOf("\r\n\r\n");
                if (end >= 0) {
                    int length = text.contains("Content-Length: ")
                            ? Integer.parseInt(text.replaceAll("(?s).*Content-Length: (\\d+).*", "$1")) : 0;
                    if (in.position() - (end + 4) >= length) {
                        break;
                    }
                }
                if (peer.read(in) < 0) {
                    break;
                }
                text = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
            }
            peer.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1)));
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
