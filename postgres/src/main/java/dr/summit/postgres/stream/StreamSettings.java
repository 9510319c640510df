package dr.summit.postgres.stream;

import java.time.Duration;

/**
 * How the receiver streams.
 *
 * @param slot            physical replication slot, created when missing
 * @param statusInterval  how often a status reply goes to the server unasked (the server's keepalive
 *                        requests are answered at once whatever this says)
 * @param maxPieceBytes   a piece is stored at the latest when this many bytes wait, even if the server
 *                        keeps sending (a quiet moment stores sooner)
 * @param retryDelay      wait before reconnecting after a lost connection
 */
public record StreamSettings(String slot, Duration statusInterval, int maxPieceBytes, Duration retryDelay) {
    public static final String DEFAULT_SLOT = "summit_dr";
    public static final String DEFAULT_APPLICATION_NAME = "summit_dr";

    public StreamSettings {
        if (!slot.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("invalid replication slot name '" + slot + "' (lower-case letters, digits and _, at most 63)");
        }
    }

    public static StreamSettings defaults(String slot) {
        return new StreamSettings(slot, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(2));
    }
}
