package dr.summit.orchestrator.notify;

import java.util.List;

/**
 * One webhook of the config file: where to POST, in which format ({@code json}, {@code slack},
 * {@code pagerduty}), on which outcomes ({@code failure}, {@code success}, {@code missed}; default failure only;
 * a missed schedule is told to hooks on failure or missed), and
 * the PagerDuty routing key.
 */
public record Webhook(String url, String format, List<String> on, String routingKey) {
    public Webhook {
        format = format == null ? "json" : format;
        on = on == null || on.isEmpty() ? List.of("failure") : List.copyOf(on);
        if (url == null || !(url.startsWith("https://") || url.startsWith("http://"))) {
            throw new IllegalArgumentException("[[webhooks]] url must be an http(s) URL, got '" + url + "'");
        }
        if (!List.of("json", "slack", "pagerduty").contains(format)) {
            throw new IllegalArgumentException("[[webhooks]] format must be json, slack or pagerduty, got '" + format + "'");
        }
        if (format.equals("pagerduty") && (routingKey == null || routingKey.isBlank())) {
            throw new IllegalArgumentException("[[webhooks]] format pagerduty needs routingKey");
        }
        for (String o : on) {
            if (!List.of("failure", "success", "missed").contains(o)) {
                throw new IllegalArgumentException("[[webhooks]] on lists failure, success and/or missed, got '" + o + "'");
            }
        }
    }
}
