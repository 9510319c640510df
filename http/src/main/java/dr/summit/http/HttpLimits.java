package dr.summit.http;

import java.time.Duration;

/**
 * What one client can make a server hold: the request head and body it may send, how long it may sit
 * idle mid-request (slow clients), how many connections may be open at once, and the worker threads and
 * queue that serve them (a full queue closes the connection rather than growing).
 */
public record HttpLimits(int maxHeadBytes, long maxBodyBytes, Duration idleTimeout, int maxConnections,
                         int workers, int queued) {
    public static final HttpLimits DEFAULT = new HttpLimits(8 * 1024, 1024 * 1024, Duration.ofSeconds(30), 256, 16, 256);

    public HttpLimits {
        if (maxHeadBytes < 1024 || maxBodyBytes < 0 || idleTimeout.isNegative() || idleTimeout.isZero()
                || maxConnections < 1 || workers < 1 || queued < 1) {
            throw new IllegalArgumentException("HTTP limits out of range: " + maxHeadBytes + " head bytes, " + maxBodyBytes
                    + " body bytes, " + idleTimeout + " idle, " + maxConnections + " connections, " + workers + " workers, " + queued + " queued");
        }
    }

    public HttpLimits withIdleTimeout(Duration timeout) {
        return new HttpLimits(maxHeadBytes, maxBodyBytes, timeout, maxConnections, workers, queued);
    }

    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(maxHeadBytes, maxBodyBytes, idleTimeout, connections, workers, queued);
    }

    public HttpLimits withWorkers(int threads, int queue) {
        return new HttpLimits(maxHeadBytes, maxBodyBytes, idleTimeout, maxConnections, threads, queue);
    }
}
