package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** The orchestrator's commands: token, drill run, audit, and the server itself over HTTPS. */
class OrchestratorCliTest {
    @TempDir
    Path dir;

    @Test
    void tokensDrillsAndTheAuditLogFromTheCommandLine() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = CliTestSupport.passwordFile(dir.resolve("pw"), "secret");
        ok(repo, pw, "init", FAST_INIT);
        Path source = CliTestSupport.sampleTree(dir.resolve("src"), 3);
        ok(repo, pw, "backup", source.toString());

        JsonNode token = ok(repo, pw, "token create", "--name", "ci", "--role", "operator", "--json").json();
        assertThat(token.path("token").asText()).startsWith("sdr_" + token.path("id").asText() + "_");
        String list = ok(repo, pw, "token list").out();
        assertThat(list).contains("ci").contains("operator").doesNotContain(token.path("token").asText().substring(21));
        assertOneLineError(run(repo, pw, "token create", "--name", "x", "--role", "root"), ExitCodes.USAGE, "--role");

        CliTestSupport.Run drill = ok(repo, pw, "drill run", "--scenario", "backup-validation");
        assertThat(drill.out()).containsPattern("drill backup-validation \\(job [0-9a-f]{16}\\): passed, RTO [0-9.]+ s, RPO [0-9.]+ s")
                .contains("files:files: passed");
        assertOneLineError(run(repo, pw, "drill run", "--scenario", "chaos"), ExitCodes.USAGE, "--scenario must be one of");

        ok(repo, pw, "token revoke", "ci");
        assertThat(ok(repo, pw, "token list").out()).contains("revoked");
        String verified = ok(repo, pw, "audit verify").out();
        assertThat(verified).startsWith("audit log intact: 3 entries"); // token created, the drill's outcome, token revoked
        assertThat(ok(repo, pw, "audit list").out()).contains("token.create").contains("job.succeeded").contains("drill backup-validation")
                .contains("token.revoke");
    }

    @Test
    void aDrillRunLabelsItsClaimWithItsOwnCommandAndNeverActsAsTheScheduler() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = CliTestSupport.passwordFile(dir.resolve("pw"), "secret");
        ok(repo, pw, "init", FAST_INIT);
        Path source = CliTestSupport.sampleTree(dir.resolve("src"), 5);
        CliTestSupport.writeRandom(source.resolve("big/archive.bin"), new Random(5), 24 << 20); // a drill long enough to watch
        ok(repo, pw, "backup", source.toString());
        // The config a server would share, with a per-minute schedule a server last ran an hour ago: a server starting now
        // would count the runs since then missed (and tell the webhooks); a one-off drill must not.
        Path config = dir.resolve("summit.toml");
        try (dr.summit.repository.Repository r = dr.summit.repository.Repository.open(new dr.summit.repository.store.LocalDirectoryStore(repo),
                "secret".toCharArray())) {
            java.time.Instant hourAgo = java.time.Instant.now().minus(Duration.ofHours(1));
            new dr.summit.orchestrator.jobs.JobStore(new dr.summit.orchestrator.records.Records(r)).save(new dr.summit.orchestrator.jobs.Job(
                    "00000000000000aa", "drill", null, "backup-validation", null, dr.summit.orchestrator.jobs.Job.SUCCEEDED, "done", 1, 0,
                    hourAgo, hourAgo, hourAgo.plusSeconds(5), null, "schedule:drill-backup-validation", false, java.util.Map.of()));
        }
        Files.writeString(config, "[[files]]\nname = \"src\"\npath = \"" + source + "\"\n"
                + "[[schedules]]\nkind = \"drill\"\nscenario = \"backup-validation\"\ncron = \"* * * * *\"\n");

        dr.summit.repository.store.LocalDirectoryStore store = new dr.summit.repository.store.LocalDirectoryStore(repo);
        java.util.Set<String> holders = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CliTestSupport.Run[] drill = new CliTestSupport.Run[1];
        Thread running = new Thread(() -> drill[0] = run(repo, pw, "drill run", "--scenario", "backup-validation", "--config", config.toString()));
        running.start();
        while (running.isAlive()) {
            for (String name : store.list(dr.summit.repository.lease.Lease.PREFIX)) {
                try {
                    dr.summit.repository.lease.Lease l = dr.summit.repository.lease.Lease.fromJson(store.get(name), name);
                    if ("drill:backup-validation".equals(l.claim())) {
                        holders.add(l.command());
                    }
                } catch (RuntimeException gone) {
                    // released between list and get
                }
            }
        }
        running.join();
        assertThat(drill[0].exit()).as(drill[0].toString()).isZero();
        assertThat(holders).as("the drill's claim, seen while it ran").containsExactly("summit-dr drill run");
        assertThat(store.list("orchestrator/schedules/")).as("no missed-run records: the CLI is no scheduler").isEmpty();
    }

    @Test
    void theServerServesTheApiOverHttpsWithTheGivenCertificate() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = CliTestSupport.passwordFile(dir.resolve("pw"), "secret");
        ok(repo, pw, "init", FAST_INIT);
        ok(repo, pw, "backup", CliTestSupport.sampleTree(dir.resolve("src"), 4).toString());
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
        assertThat(openssl.waitFor()).as(new String(openssl.getInputStream().readAllBytes())).isZero();
        String admin = ok(repo, pw, "token create", "--name", "root", "--role", "admin").out().trim();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ServerCommand.stop = new CountDownLatch(1);
        Thread server = new Thread(() -> Main.execute(new String[]{"server", "--repo", repo.toString(), "--password-file", pw.toString(),
                "--listen", "127.0.0.1:0", "--tls-cert", cert.toString(), "--tls-key", key.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true)));
        server.start();
        try {
            URI base = null;
            for (int i = 0; i < 200 && base == null; i++) {
                Matcher m = Pattern.compile("listening on (https://\\S+) ").matcher(out.toString());
                if (m.find()) {
                    base = URI.create(m.group(1));
                } else {
                    Thread.sleep(50);
                }
            }
            assertThat(base).as("server output: %s %s", out, err).isNotNull();
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert))));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> status = https.send(HttpRequest.newBuilder(base.resolve("/api/v1/recovery/status"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
            // /metrics is the monitoring module's exposition, with the state rebuilt from the repository
            HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("dr_rto_target_seconds", "dr_backup_last_success_timestamp_seconds{source=\"files\"}",
                    "dr_metrics_refresh_timestamp_seconds");
        } finally {
            ServerCommand.stop.countDown();
            server.join(10_000);
        }
        assertOneLineError(run(repo, pw, "server", "--listen", "nowhere"), ExitCodes.USAGE, "--listen must be HOST:PORT");
        assertOneLineError(run(repo, pw, "server", "--listen", "127.0.0.1:0", "--tls-cert", cert.toString()), ExitCodes.USAGE, "go together");
    }
}
