package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.orchestrator.Orchestrator;
import dr.summit.orchestrator.OrchestratorConfig;
import dr.summit.orchestrator.OrchestratorServer;
import dr.summit.orchestrator.access.Role;
import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.restore.PgRestore;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base backups of a real PostgreSQL 15 taken by the server (issue 17): on demand through POST /api/v1/backups
 * and on the [[schedules]] time, connecting over the UNIX socket as pg backup does, with the same
 * BaseBackup service; each backup is a base backup of the cluster that 'pg restore' then restores.
 */
class PgServerBackupTest {
    private static final ObjectMapperHolder JSON = new ObjectMapperHolder();

    @Test
    void theServerTakesBaseBackupsOnDemandAndOnScheduleThatPgRestoreRestores() throws Exception {
        try (PgWorkspace ws = PgWorkspace.create("srvbk")) {
            PgTestCluster primary = ws.startCluster("pgdata", ws.jvmArchiveCommand());
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE orders (id int PRIMARY KEY, note text)");
                st.execute("INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 500) g");
            }
            OrchestratorConfig config = new OrchestratorConfig(null, null, null, List.of(),
                    List.of(new OrchestratorConfig.PostgresEntry("main", ws.cluster, null, null, ws.dsn(primary), primary.data.toString())),
                    List.of(), List.of(), List.of(new OrchestratorConfig.ScheduleEntry(null, "backup", "postgres:main", null, null, null, null)));
            AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-02T01:59:00Z"));
            Clock clock = new Clock() {
                @Override
                public ZoneId getZone() {
                    return ZoneId.of("UTC");
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now.get();
                }
            };
            char[] password = Files.readString(ws.password).trim().toCharArray();
            try (Repository repo = Repository.open(new LocalDirectoryStore(ws.repo), password);
                 Orchestrator orchestrator = new Orchestrator(repo, config, List.of(), null, clock);
                 OrchestratorServer server = OrchestratorServer.start(orchestrator, "127.0.0.1", 0, null, line -> { })) {
                String token = orchestrator.tokens().create("ops", Role.OPERATOR).token();
                HttpClient http = HttpClient.newHttpClient();

                HttpResponse<String> posted = http.send(HttpRequest.newBuilder(server.uri().resolve("/api/v1/backups"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"postgres\",\"source\":\"main\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
                JsonNode onDemand = await(http, server.uri().resolve(posted.headers().firstValue("Location").orElseThrow()), token);
                assertThat(onDemand.path("state").asText()).as(onDemand.toString()).isEqualTo("succeeded");
                assertThat(onDemand.path("source").asText()).isEqualTo("postgres:main");
                assertThat(onDemand.path("result").path("stopLsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");

                try (Connection c = primary.connect(); Statement st = c.createStatement()) {
                    st.execute("INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(501, 800) g");
                }
                now.set(Instant.parse("2026-03-02T02:00:00Z")); // the seed's daily 02:00
                var fired = orchestrator.scheduler().tick();
                assertThat(fired).containsOnlyKeys("backup-postgres-main");
                JsonNode scheduled = await(http, server.uri().resolve("/api/v1/jobs/" + fired.get("backup-postgres-main").job().id()), token);
                assertThat(scheduled.path("state").asText()).as(scheduled.toString()).isEqualTo("succeeded");

                repo.listSnapshots(); // the catalogue as 'pg restore' reads it
                List<Snapshot> backups = new PgRestore(repo, ws.cluster).backups();
                assertThat(backups).extracting(Snapshot::id).containsExactly(onDemand.path("result").path("snapshot").asText(),
                        scheduled.path("result").path("snapshot").asText());
                assertThat(backups.get(1).attribute(BaseBackup.CLUSTER)).isEqualTo(ws.cluster);
                assertThat(backups.get(1).host()).isNotBlank();
            }
            primary.stop();

            // The scheduled backup restores with the CLI like any other: 800 rows.
            java.nio.file.Path restored = ws.work.resolve("restored");
            ws.useJvmLauncher();
            ws.ok("pg restore", "--cluster", ws.cluster, "--pgdata", restored.toString(), "--target-action", "promote");
            PgTestCluster back = ws.startRestored(restored, false);
            try (Connection c = back.connect(); Statement st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(800);
            }
        }
    }

    private static JsonNode await(HttpClient http, URI job, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(job).header("Authorization", "Bearer " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode j = JSON.mapper.readTree(r.body());
            if (List.of("succeeded", "failed", "cancelled").contains(j.path("state").asText()) || System.nanoTime() > deadline) {
                return j;
            }
            Thread.sleep(200);
        }
    }

    private static final class ObjectMapperHolder {
        final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    }
}
