package dr.summit.postgres.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

class AgentStatusClientTest {
    private static final Path SOCKET = Path.of("/run/summit/agent.sock");

    @Test
    void theBodyOfA200IsTheStatus() throws IOException {
        String reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"stream\":{\"state\":\"retrying\",\"lastError\":\"x\"}}\n";
        assertThat(AgentStatusClient.parse(SOCKET, reply).path("stream").path("state").asText()).isEqualTo("retrying");
    }

    @Test
    void anythingElseIsOneLineNamingTheSocket() {
        assertThatThrownBy(() -> AgentStatusClient.parse(SOCKET, "")).hasMessageContaining("/run/summit/agent.sock")
                .hasMessageContaining("not HTTP");
        assertThatThrownBy(() -> AgentStatusClient.parse(SOCKET, "HTTP/1.1 403 Forbidden\r\n\r\nsummit-dr agent: uid 1000 may not use it"))
                .hasMessageContaining("answered /status with 403: summit-dr agent: uid 1000 may not use it");
        assertThatThrownBy(() -> AgentStatusClient.parse(SOCKET, "HTTP/1.1 200 OK\r\n\r\n{\"stream\": "))
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void aSocketNobodyListensOnIsReportedNotHung(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> AgentStatusClient.read(dir.resolve("gone.sock"), java.time.Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class).hasMessageStartingWith("cannot reach the agent at " + dir.resolve("gone.sock"));
    }
}
