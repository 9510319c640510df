package dr.summit.orchestrator.notify;

import dr.summit.orchestrator.jobs.Job;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The body of a notification in each format; pure (no I/O), so each shape is tested directly. */
final class Payloads {
    private Payloads() {
    }

    static String summary(Job job) {
        String what = job.type() + (job.scenario() != null ? " " + job.scenario() : "") + (job.source() != null ? " of " + job.source() : "");
        return "summit-dr " + what + " " + job.state() + (job.error() != null ? ": " + job.error() : "") + " (job " + job.id() + ")";
    }

    static Object body(Webhook hook, Job job, String host) {
        switch (hook.format()) {
            case "slack":
                // Slack incoming webhooks (and Mattermost, Rocket.Chat) take {"text": …}.
                return Map.of("text", (Job.SUCCEEDED.equals(job.state()) ? ":white_check_mark: " : ":rotating_light: ") + summary(job));
            case "pagerduty": {
                // PagerDuty Events API v2: a trigger per failure, deduplicated per job; a success resolves it.
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("summary", summary(job));
                payload.put("source", host);
                payload.put("severity", Job.SUCCEEDED.equals(job.state()) ? "info" : "critical");
                payload.put("component", "summit-dr");
                payload.put("group", job.type());
                payload.put("custom_details", details(job));
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("routing_key", hook.routingKey());
                event.put("event_action", Job.SUCCEEDED.equals(job.state()) ? "resolve" : "trigger");
                event.put("dedup_key", "summit-dr-" + job.type() + "-" + (job.scenario() != null ? job.scenario() : String.valueOf(job.source())));
                event.put("payload", payload);
                return event;
            }
            default:
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("event", "job." + job.state());
                m.put("summary", summary(job));
                m.putAll(details(job));
                return m;
        }
    }

    /** A schedule's run that did not start: a failure in every format (PagerDuty: one incident per schedule). */
    static Object missed(Webhook hook, String schedule, java.time.Instant due, String reason, String host) {
        String summary = "summit-dr schedule " + schedule + " missed its run due " + due + ": " + reason;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("schedule", schedule);
        details.put("due", due.toString());
        details.put("reason", reason);
        switch (hook.format()) {
            case "slack":
                return Map.of("text", ":warning: " + summary);
            case "pagerduty": {
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("summary", summary);
                payload.put("source", host);
                payload.put("severity", "warning");
                payload.put("component", "summit-dr");
                payload.put("group", "schedule");
                payload.put("custom_details", details);
                Map<String, Object> event = new LinkedHashMap<>();
                event.put("routing_key", hook.routingKey());
                event.put("event_action", "trigger");
                event.put("dedup_key", "summit-dr-schedule-" + schedule);
                event.put("payload", payload);
                return event;
            }
            default:
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("event", "schedule.missed");
                m.put("summary", summary);
                m.putAll(details);
                return m;
        }
    }

    private static Map<String, Object> details(Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job.id());
        m.put("type", job.type());
        m.put("state", job.state());
        if (job.scenario() != null) {
            m.put("scenario", job.scenario());
        }
        if (job.source() != null) {
            m.put("source", job.source());
        }
        if (job.error() != null) {
            m.put("error", job.error());
        }
        if (job.result() != null) {
            for (String k : List.of("rtoSeconds", "rpoSeconds", "passed")) {
                if (job.result().containsKey(k)) {
                    m.put(k, job.result().get(k));
                }
            }
        }
        return m;
    }
}
