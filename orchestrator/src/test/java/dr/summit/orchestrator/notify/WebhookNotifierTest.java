package dr.summit.orchestrator.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.http.HttpLimits;
import dr.summit.http.HttpServer;
import dr.summit.http.JsonErrors;
import dr.summit.http.Reply;
import dr.summit.http.Router;
import dr.summit.http.RouterHandler;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.records.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Webhooks against a real local HTTP receiver that fails on purpose. */
class WebhookNotifierTest {
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private HttpServer receiver;

    /** Answers the first {@code failFirst} requests with {@code failStatus}, then 200. */
    private String startReceiver(int failFirst, int failStatus) throws Exception {
        Router router = new Router().post("/hook/{secret}", ex -> {
            int n = requests.incrementAndGet();
            if (n <= failFirst) {
                return Reply.text(failStatus, "not now");
            }
            received.add(Json.MAPPER.readTree(ex.body()));
            return Reply.text(200, "ok");
        });
        receiver = HttpServer.tcp("127.0.0.1", 0, HttpLimits.DEFAULT, null, new RouterHandler(router, 1 << 20, JsonErrors::reply, l -> { }), "test-hook");
        return receiver.uri() + "/hook/T0K3N";
    }

    @AfterEach
    void stop() throws Exception {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static Job failedDrill() {
        return new Job("0123456789abcdef", "drill", null, "backup-validation", null, Job.FAILED, "restoring", 0.5, 10, Instant.now(),
                Instant.now(), Instant.now(), "drill backup-validation failed: files:docs: pack damaged", "olga", false,
                Map.of("passed", false, "rtoSeconds", 1.5));
    }

    private void awaitReceived(int n) throws InterruptedException {
        for (int i = 0; i < 200 && received.size() < n; i++) {
            Thread.sleep(25);
        }
    }

    @Test
    void aFailedDeliveryIsRetriedWithBackoffUntilTheReceiverTakesIt() throws Exception {
        String url = startReceiver(2, 503);
        try (WebhookNotifier n = new WebhookNotifier(List.of(new Webhook(url, "json", null, null)), 4, Duration.ofMillis(50), log::add)) {
            n.jobFinished(failedDrill(), Duration.ofSeconds(1));
            awaitReceived(1);
        }
        assertThat(requests.get()).isEqualTo(3);
        JsonNode body = received.get(0);
        assertThat(body.path("event").asText()).isEqualTo("job.failed");
        assertThat(body.path("scenario").asText()).isEqualTo("backup-validation");
        assertThat(body.path("error").asText()).contains("pack damaged");
        assertThat(log).isEmpty();
    }

    @Test
    void slackAndPagerDutyPayloadsHaveTheirShapes() throws Exception {
        String url = startReceiver(0, 0);
        try (WebhookNotifier n = new WebhookNotifier(List.of(new Webhook(url, "slack", List.of("failure"), null),
                new Webhook(url, "pagerduty", null, "R0UT1NG")), 2, Duration.ofMillis(10), log::add)) {
            n.jobFinished(failedDrill(), Duration.ofSeconds(1));
            Job ok = new Job("fedcba9876543210", "backup", "files:docs", null, null, Job.SUCCEEDED, "done", 1, 10, Instant.now(),
                    Instant.now(), Instant.now(), null, "olga", false, Map.of());
            n.jobFinished(ok, Duration.ofSeconds(1)); // on = failure only: nothing sent
            awaitReceived(2);
        }
        assertThat(received).hasSize(2);
        JsonNode slack = received.stream().filter(j -> j.has("text")).findFirst().orElseThrow();
        assertThat(slack.path("text").asText()).startsWith(":rotating_light: summit-dr drill backup-validation failed");
        JsonNode pd = received.stream().filter(j -> j.has("routing_key")).findFirst().orElseThrow();
        assertThat(pd.path("routing_key").asText()).isEqualTo("R0UT1NG");
        assertThat(pd.path("event_action").asText()).isEqualTo("trigger");
        assertThat(pd.path("payload").path("severity").asText()).isEqualTo("critical");
        assertThat(pd.path("payload").path("summary").asText()).contains("failed");
    }

    @Test
    void aRefusedPayloadIsNotRetriedAndTheLogKeepsTheUrlsSecretPathOut() throws Exception {
        String url = startReceiver(100, 400);
        try (WebhookNotifier n = new WebhookNotifier(List.of(new Webhook(url, "json", null, null)), 4, Duration.ofMillis(10), log::add)) {
            n.jobFinished(failedDrill(), Duration.ofSeconds(1));
        }
        assertThat(requests.get()).isEqualTo(1);
        assertThat(log).hasSize(1);
        assertThat(log.get(0)).contains("not delivered (HTTP 400)").doesNotContain("T0K3N");
        assertThatThrownBy(() -> new Webhook(url, "teams", null, null)).hasMessageContaining("format must be json, slack or pagerduty");
        assertThatThrownBy(() -> new Webhook(url, "pagerduty", null, null)).hasMessageContaining("needs routingKey");
    }

    @Test
    void aMissedScheduleIsToldToHooksOnFailureOrMissedButNotToSuccessOnlyOnes() throws Exception {
        String url = startReceiver(0, 0);
        try (WebhookNotifier n = new WebhookNotifier(List.of(new Webhook(url, "json", null, null), new Webhook(url, "slack", List.of("missed"), null),
                new Webhook(url, "json", List.of("success"), null)), 2, Duration.ofMillis(10), log::add)) {
            n.scheduleMissed("backup-files-docs", Instant.parse("2026-03-02T02:00:00Z"), "the server was not running");
            awaitReceived(2);
        }
        assertThat(received).hasSize(2);
        JsonNode json = received.stream().filter(j -> j.has("event")).findFirst().orElseThrow();
        assertThat(json.path("event").asText()).isEqualTo("schedule.missed");
        assertThat(json.path("schedule").asText()).isEqualTo("backup-files-docs");
        assertThat(json.path("due").asText()).isEqualTo("2026-03-02T02:00:00Z");
        assertThat(json.path("reason").asText()).isEqualTo("the server was not running");
        JsonNode slack = received.stream().filter(j -> j.has("text")).findFirst().orElseThrow();
        assertThat(slack.path("text").asText()).startsWith(":warning: summit-dr schedule backup-files-docs missed its run due 2026-03-02T02:00:00Z");
    }
}
