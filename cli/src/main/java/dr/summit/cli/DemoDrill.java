package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.orchestrator.Orchestrator;
import dr.summit.orchestrator.OrchestratorConfig;
import dr.summit.orchestrator.OrchestratorServer;
import dr.summit.orchestrator.access.Role;
import dr.summit.orchestrator.records.Json;
import dr.summit.repository.Repository;
import dr.summit.repository.store.LocalDirectoryStore;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The demo's orchestrator step: start the server on a free port over the demo repository, run a
 * backup-validation drill through the REST API as an operator would (token, POST, poll the job) and
 * print the measured RTO.
 */
final class DemoDrill {
    private DemoDrill() {
    }

    static boolean run(int step, Path repoDir, char[] password, Path work, PrintWriter out) throws Exception {
        OrchestratorConfig config = new OrchestratorConfig(null, work.resolve("drill-scratch").toString(), work.resolve("drill-reports").toString(),
                List.of(), List.of());
        try (Repository repo = Repository.open(new LocalDirectoryStore(repoDir), password);
             Orchestrator orchestrator = ServerMetrics.orchestrator(repo, config, Clock.systemUTC());
             OrchestratorServer server = OrchestratorServer.start(orchestrator, "127.0.0.1", 0, null, line -> { })) {
            String token = orchestrator.tokens().create("demo", Role.OPERATOR).token();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(server.uri().resolve("/api/v1/drills/run"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"scenario\":\"backup-validation\"}")).build(), HttpResponse.BodyHandlers.ofString());
            String location = accepted.headers().firstValue("Location").orElse("");
            out.printf("%d. orchestrator on %s: POST /api/v1/drills/run {\"scenario\":\"backup-validation\"} -> %d, job %s%n",
                    step, server.uri(), accepted.statusCode(), location);
            JsonNode job = null;
            for (int i = 0; i < 36_000 && !location.isEmpty(); i++) {
                job = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(server.uri().resolve(location)).header("Authorization", "Bearer " + token)
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
                if (List.of("succeeded", "failed", "cancelled").contains(job.path("state").asText())) {
                    break;
                }
                Thread.sleep(100);
            }
            boolean passed = job != null && "succeeded".equals(job.path("state").asText());
            if (passed) {
                JsonNode result = job.path("result");
                JsonNode source = result.path("sources").path(0);
                out.printf("    drill passed: newest snapshot restored and %d files verified against it, RTO %.3f s, RPO %.3f s (report %s)%n",
                        source.path("checks").path("verifiedFiles").asLong(), result.path("rtoSeconds").asDouble(),
                        result.path("rpoSeconds").asDouble(), result.path("reportAt").asText());
            } else {
                out.println("    drill FAILED: " + (job == null ? "no job" : job.path("error").asText(job.toString())));
            }
            return passed;
        }
    }
}
