package dr.summit.repository.store.s3;

import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * Tuning of the S3 store, declared once with its defaults. Operators rarely need them; each can be
 * set with a Java system property (e.g. {@code SUMMIT_JAVA_OPTS="-Dsummit.s3.maxAttempts=3"}), which
 * is also how tests shorten timeouts.
 *
 * @param maxAttempts        attempts per request, first one included (retries: exponential backoff with
 *                           full jitter, 100 ms base, 20 s cap; 1 s base for throttling)
 * @param connectTimeout     TCP connect timeout per attempt
 * @param socketTimeout      longest silence while reading or writing a response/request
 * @param attemptTimeout     upper bound of one attempt (an 8 MiB part on a slow link included)
 * @param callTimeout        upper bound of one request, all its retries included
 * @param partSize           objects of at least two parts (16 MiB by default: every full pack) go up as a
 *                           multipart upload in parts of this size, the last part taking the remainder
 *                           (S3 requires at least 5 MiB but for the last part)
 */
public record S3StoreOptions(int maxAttempts, Duration connectTimeout, Duration socketTimeout, Duration attemptTimeout,
                             Duration callTimeout, int partSize) {
    public static final String PROPERTY_PREFIX = "summit.s3.";
    static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    static final int MAX_PART_SIZE = 1024 * 1024 * 1024;

    public static final S3StoreOptions DEFAULT = new S3StoreOptions(8, Duration.ofSeconds(10), Duration.ofSeconds(60),
            Duration.ofMinutes(5), Duration.ofMinutes(20), 8 * 1024 * 1024);

    public S3StoreOptions {
        if (maxAttempts < 1 || maxAttempts > 20) {
            throw new IllegalArgumentException("summit.s3.maxAttempts must be 1..20, not " + maxAttempts);
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("summit.s3.partSizeMiB must be 5..1024 (S3's minimum part size is 5 MiB)");
        }
        for (Duration d : new Duration[]{connectTimeout, socketTimeout, attemptTimeout, callTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("S3 timeouts must be positive");
            }
        }
    }

    /** {@link #DEFAULT}, overridden by any {@code summit.s3.*} system property that is set. */
    public static S3StoreOptions fromSystemProperties() {
        return fromProperties(System::getProperty);
    }

    static S3StoreOptions fromProperties(UnaryOperator<String> property) {
        S3StoreOptions d = DEFAULT;
        return new S3StoreOptions(
                intProperty(property, "maxAttempts", d.maxAttempts),
                millisProperty(property, "connectTimeoutMs", d.connectTimeout),
                millisProperty(property, "socketTimeoutMs", d.socketTimeout),
                millisProperty(property, "attemptTimeoutMs", d.attemptTimeout),
                millisProperty(property, "callTimeoutMs", d.callTimeout),
                intProperty(property, "partSizeMiB", d.partSize >> 20) << 20);
    }

    public S3StoreOptions withMaxAttempts(int attempts) {
        return new S3StoreOptions(attempts, connectTimeout, socketTimeout, attemptTimeout, callTimeout, partSize);
    }

    public S3StoreOptions withPartSize(int bytes) {
        return new S3StoreOptions(maxAttempts, connectTimeout, socketTimeout, attemptTimeout, callTimeout, bytes);
    }

    public S3StoreOptions withTimeouts(Duration connect, Duration socket, Duration attempt, Duration call) {
        return new S3StoreOptions(maxAttempts, connect, socket, attempt, call, partSize);
    }

    private static int intProperty(UnaryOperator<String> property, String name, int fallback) {
        String value = property.apply(PROPERTY_PREFIX + name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + " must be a whole number, not '" + value + "'");
        }
    }

    private static Duration millisProperty(UnaryOperator<String> property, String name, Duration fallback) {
        return Duration.ofMillis(intProperty(property, name, (int) fallback.toMillis()));
    }
}
