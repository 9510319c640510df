package dr.summit.postgres.stream;

/**
 * The receiver's own view, for the agent's {@code /status} (the primary's view and the
 * repository's are in {@link StreamStatus}). LSNs as PostgreSQL prints them; times ISO-8601 UTC.
 *
 * @param state          connecting, streaming, retrying (the connection was lost or refused),
 *                       stopped, failed (the repository refused the WAL: see lastError), or
 *                       repository-unreachable (the valve holds at most --max-wal-backlog on the primary)
 * @param receivedLsn    end of the WAL received in the current session
 * @param flushedLsn     the flush position last reported to the server (durable in the repository)
 * @param unflushedBytes received but not yet durable
 * @param lastFlushTime  when the last flush position was reported, null before the first
 * @param lastError      the last error, null when there was none since the receiver started
 * @param valve          the backlog valve ({@code --max-wal-backlog}): its limit, gaps not yet in the
 *                       repository, the base backup that closes them; null when the valve is off
 */
public record ReceiverStatus(String state, String receivedLsn, String flushedLsn, long unflushedBytes, String lastFlushTime,
                             String lastError, String lastErrorTime, java.util.Map<String, Object> valve) {
}
