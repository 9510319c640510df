package dr.summit.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.files.backup.Archiver;
import dr.summit.orchestrator.access.Role;
import dr.summit.orchestrator.records.Json;
import dr.summit.repository.Repository;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/** A real repository with a real backed-up tree, an orchestrator over it and its HTTP server on a free port. */
final class LiveOrchestrator implements AutoCloseable {
    static final Repository.InitOptions FAST = new Repository.InitOptions(
            new ChunkerParams(64 * 1024, 128 * 1024, 512 * 1024), 1024 * 1024, Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    static final char[] PASSWORD = "correct horse battery staple".toCharArray();

    final Path dir;
    final Path repoDir;
    final Path source;
    final Repository repo;
    Orchestrator orchestrator;
    OrchestratorServer server;
    String admin;
    String operator;
    String viewer;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, JsonNode json, String body, HttpResponse<String> raw) {
    }

    /** A repository with two backups of a small tree (a few files, one of 300 KiB). */
    static LiveOrchestrator start(Path dir) throws Exception {
        Path repoDir = dir.resolve("repo");
        Repository.init(new LocalDirectoryStore(repoDir), PASSWORD, FAST).close();
        Path source = dir.resolve("src");
        Files.createDirectories(source.resolve("sub"));
        Files.writeString(source.resolve("a.txt"), "alpha\n");
        byte[] big = new byte[300 * 1024];
        new Random(17).nextBytes(big);
        Files.write(source.resolve("sub").resolve("big.bin"), big);
        LiveOrchestrator o = new LiveOrchestrator(dir, repoDir, source);
        o.backup();
        Files.writeString(source.resolve("b.txt"), "beta\n");
        o.backup();
        o.startServer(new OrchestratorConfig(null, dir.resolve("scratch").toString(), dir.resolve("reports").toString(),
                List.of(new OrchestratorConfig.FilesEntry("docs", source.toString())), List.of()));
        o.admin = o.orchestrator.tokens().create("alice", Role.ADMIN).token();
        o.operator = o.orchestrator.tokens().create("olga", Role.OPERATOR).token();
        o.viewer = o.orchestrator.tokens().create("victor", Role.VIEWER).token();
        return o;
    }

    private LiveOrchestrator(Path dir, Path repoDir, Path source) {
        this.dir = dir;
        this.repoDir = repoDir;
        this.source = source;
        this.repo = Repository.open(new LocalDirectoryStore(repoDir), PASSWORD);
    }

    Snapshot backup() throws InterruptedException {
        repo.loadIndex();
        return new Archiver(repo, Archiver.Options.defaults("test-host", "tester", "summit-dr test").withThreads(2, 2))
                .backup(List.of(source), null).snapshot();
    }

    void startServer(OrchestratorConfig config) throws IOException {
        startServer(config, Clock.systemUTC());
    }

    /** With the test's clock, so schedules are due when the test says (it calls the scheduler's tick()). */
    void startServer(OrchestratorConfig config, Clock clock) throws IOException {
        orchestrator = new Orchestrator(repo, config, List.of(), null, clock);
        server = OrchestratorServer.start(orchestrator, "127.0.0.1", 0, null, line -> { });
    }

    /** Stops the server and starts a fresh one over the same repository (a restart). */
    void restart() throws IOException {
        OrchestratorConfig config = orchestrator.config();
        server.close();
        orchestrator.close();
        startServer(config);
    }

    Response get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.GET());
    }

    Response post(String path, String token, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    private Response send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            json = Json.MAPPER.readTree(r.body());
        }
        return new Response(r.statusCode(), json, r.body(), r);
    }

    /** Polls a job until it has finished. */
    JsonNode awaitJob(String location) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Response r = get(location, viewer);
            String state = r.json().path("state").asText();
            if (List.of("succeeded", "failed", "cancelled").contains(state) || System.nanoTime() > deadline) {
                return r.json();
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
        }
        if (orchestrator != null) {
            orchestrator.close();
        }
        repo.close();
    }
}
