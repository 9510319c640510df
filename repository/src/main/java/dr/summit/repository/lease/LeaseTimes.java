package dr.summit.repository.lease;

import java.time.Duration;

/**
 * The two durations the lease protocol depends on. Defaults: leases last 15 minutes and are
 * renewed every 5; clocks of hosts sharing a repository may differ by up to 5 minutes. Both can be
 * set with system properties ({@code summit.lease.ttl-seconds}, {@code summit.lease.max-clock-skew-seconds});
 * tests shorten them.
 */
public record LeaseTimes(Duration ttl, Duration maxClockSkew) {
    public static LeaseTimes fromSystemProperties() {
        return new LeaseTimes(Duration.ofSeconds(Long.getLong("summit.lease.ttl-seconds", 900)),
                Duration.ofSeconds(Long.getLong("summit.lease.max-clock-skew-seconds", 300)));
    }

    public Duration renewEvery() {
        return ttl.dividedBy(3);
    }
}
