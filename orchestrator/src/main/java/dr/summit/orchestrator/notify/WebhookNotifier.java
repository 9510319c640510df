package dr.summit.orchestrator.notify;

import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.records.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Posts job outcomes to the configured webhooks from one background thread (a slow receiver never
 * delays a job), retrying a failed delivery (connection error, 429 or 5xx) with exponential backoff
 * up to {@code attempts} times; a 4xx other than 429 is the receiver refusing the payload and is not
 * retried. Every final failure is one line to {@code log}.
 */
public final class WebhookNotifier implements OrchestratorEvents, AutoCloseable {
    private final List<Webhook> hooks;
    private final int attempts;
    private final Duration firstBackoff;
    private final Consumer<String> log;
    private final String host;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "summit-webhooks");
        t.setDaemon(true);
        return t;
    });

    public WebhookNotifier(List<Webhook> hooks, int attempts, Duration firstBackoff, Consumer<String> log) {
        this.hooks = List.copyOf(hooks);
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
        this.log = log;
        String h;
        try {
            h = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            h = "summit-dr";
        }
        this.host = h;
    }

    @Override
    public void jobFinished(Job job, Duration duration) {
        String outcome = Job.SUCCEEDED.equals(job.state()) ? "success" : "failure";
        for (Webhook hook : hooks) {
            if (hook.on().contains(outcome)) {
                sender.execute(() -> deliver(hook, job));
            }
        }
    }

    @Override
    public void scheduleMissed(String schedule, java.time.Instant due, String reason) {
        for (Webhook hook : hooks) {
            if (hook.on().contains("failure") || hook.on().contains("missed")) {
                sender.execute(() -> deliver(hook, Payloads.missed(hook, schedule, due, reason, host), "missed run of schedule " + schedule));
            }
        }
    }

    private void deliver(Webhook hook, Job job) {
        deliver(hook, Payloads.body(hook, job, host), "notification of job " + job.id());
    }

    private void deliver(Webhook hook, Object payload, String what) {
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(payload);
        } catch (IOException e) {
            log.accept("summit-dr webhook " + redacted(hook.url()) + ": cannot encode the notification: " + e.getMessage());
            return;
        }
        Duration backoff = firstBackoff;
        String last = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(hook.url())).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").header("User-Agent", "summit-dr")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return;
                }
                last = "HTTP " + r.statusCode();
                if (r.statusCode() / 100 == 4 && r.statusCode() != 429) {
                    break;
                }
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt < attempts) {
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = backoff.multipliedBy(2);
            }
        }
        log.accept("summit-dr webhook " + redacted(hook.url()) + ": " + what + " not delivered (" + last + ")");
    }

    /** Scheme, host and port only: a webhook's path is often its secret (Slack, most chat tools). */
    static String redacted(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + "/…";
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
