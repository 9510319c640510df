package dr.summit.repository.store.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Makes the SDK's retries visible: each attempt after the first is logged at warn with what went wrong with
 * the one before (the HTTP status, or that no answer came), so a slow backup against a throttling or flaky
 * endpoint says why in the log instead of only taking longer. Bucket and key are named; credentials and
 * signed URLs never are.
 */
final class S3RetryLog implements ExecutionInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger("dr.summit.s3");
    private static final ExecutionAttribute<Integer> ATTEMPT = new ExecutionAttribute<>("summit.attempt");
    private static final ExecutionAttribute<String> LAST_OUTCOME = new ExecutionAttribute<>("summit.lastOutcome");

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        int attempt = attributes.getOptionalAttribute(ATTEMPT).orElse(0) + 1;
        attributes.putAttribute(ATTEMPT, attempt);
        if (attempt > 1 && LOG.isWarnEnabled()) {
            String previous = attributes.getOptionalAttribute(LAST_OUTCOME).filter(o -> !o.isEmpty())
                    .orElse("no response (connection failed or timed out)");
            LOG.warn("S3 {} {}: attempt {} after {}", operation(context.request()), target(context.httpRequest()), attempt, previous);
        }
        attributes.putAttribute(LAST_OUTCOME, "");
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        int status = context.httpResponse().statusCode();
        attributes.putAttribute(LAST_OUTCOME, "HTTP " + status);
    }

    private static String operation(Object request) {
        String name = request.getClass().getSimpleName();
        return name.endsWith("Request") ? name.substring(0, name.length() - "Request".length()) : name;
    }

    private static String target(software.amazon.awssdk.http.SdkHttpRequest http) {
        return http.host() + http.encodedPath();   // no query string: a presigned or signed one could carry secrets
    }
}
