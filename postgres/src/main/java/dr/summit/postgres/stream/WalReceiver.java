package dr.summit.postgres.stream;

import dr.summit.postgres.connect.ConnectionFailedException;
import dr.summit.postgres.connect.PgConnector;
import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.TimelineHistory;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalPieces;
import dr.summit.postgres.wal.WalSegments;
import dr.summit.repository.Repository;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.time.Instant;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A physical replication receiver that writes WAL into the repository as it arrives: the growing
 * segment as pieces ({@link WalPieces}), a complete segment once as a normal archived segment
 * ({@link WalArchive#pushStreamed}, the same object archive_command would store). The flush
 * position sent to the server is the end of what is durable in the repository and was received in
 * this session, so a synchronous primary's commit returns only once its WAL is in the repository.
 * A lost connection is retried; the position after a reconnect is again read from the repository.
 * Storing runs on {@link StreamWriter}'s threads while this one keeps receiving.
 */
public final class WalReceiver {
    private final Repository repo;
    private final String cluster;
    private final PgConnector connector;
    private final StreamSettings settings;
    private final PrintWriter log;
    private final WalArchive archive;
    private final WalPieces pieces;
    private final AtomicLong receivedLsn = new AtomicLong();
    private final AtomicLong flushedLsn = new AtomicLong();
    private final AtomicReference<String> state = new AtomicReference<>("connecting");
    private final AtomicReference<Instant> lastFlush = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Instant> lastErrorTime = new AtomicReference<>();
    private volatile BacklogValve valve;

    /**
     * @param connector a replication connection's settings ({@code replication=true} and the
     *                  application_name the primary knows the standby by)
     */
    public WalReceiver(Repository repo, String cluster, PgConnector connector, StreamSettings settings, PrintWriter log) {
        this.repo = repo;
        this.cluster = cluster;
        this.connector = connector;
        this.settings = settings;
        this.log = log;
        this.archive = new WalArchive(repo, cluster);
        this.pieces = new WalPieces(repo, cluster);
    }

    /**
     * Opens the backlog valve ({@code --max-wal-backlog}): while the repository cannot store, WAL
     * past the limit is acknowledged without being stored and recorded as a gap. Without it a
     * repository that cannot store stops the receiver (and a synchronous primary's commits wait).
     */
    public WalReceiver valve(BacklogValve valve) {
        this.valve = valve;
        return this;
    }

    /**
     * Seals completed segments in the agent's pooled buffers, their copies within its push budget
     * (the same ones archive_command's pushes use: one bound for the whole process).
     */
    public WalReceiver sealBuffers(dr.summit.postgres.wal.SealBuffers buffers, dr.summit.postgres.wal.PushMemory memory) {
        archive.buffers(buffers).memory(memory);
        return this;
    }

    /** End of the WAL received in the current session (0 before the first byte). */
    public long receivedLsn() {
        return receivedLsn.get();
    }

    /** The last flush position reported to the server (0 before the first report). */
    public long flushedLsn() {
        return flushedLsn.get();
    }

    /** Where the receiver stands, from its own side (any thread). */
    public ReceiverStatus status() {
        long received = receivedLsn.get();
        long flushed = flushedLsn.get();
        Instant flush = lastFlush.get();
        Instant error = lastErrorTime.get();
        BacklogValve v = valve;
        return new ReceiverStatus(state.get(), Lsn.format(received), Lsn.format(flushed), Math.max(0, received - flushed),
                flush == null ? null : flush.toString(), lastError.get(), error == null ? null : error.toString(),
                v == null ? null : v.status());
    }

    private void failed(String what, String newState) {
        lastError.set(what);
        lastErrorTime.set(Instant.now());
        state.set(newState);
    }

    /**
     * Streams until {@code stop} says so, reconnecting after lost connections. Returns normally on
     * stop; throws when the repository refuses the WAL (a mismatch) or cannot be written.
     */
    public void run(BooleanSupplier stop) throws InterruptedException {
        try {
            runSessions(stop);
            state.set("stopped");
        } catch (RuntimeException e) {
            failed(oneLine(e), "failed");
            throw e;
        }
    }

    private void runSessions(BooleanSupplier stop) throws InterruptedException {
        String repositoryDown = null;
        while (!stop.getAsBoolean()) {
            try {
                BacklogValve v = valve;
                if (v != null && !v.repositoryBack(repo, cluster)) {
                    repositoryDown = repositoryDown != null ? repositoryDown : "the repository is not reachable";
                }
                if (repositoryDown != null) {
                    valveSession(v, stop, repositoryDown);
                    repositoryDown = null;
                    if (!stop.getAsBoolean()) {
                        log.println("the repository is reachable again: storing WAL from the slot's position on");
                        log.flush();
                    }
                    continue;
                }
                state.set("connecting");
                session(stop);
            } catch (ConnectionFailedException | SQLException e) {
                String what = "replication connection to " + connector.params().describe() + " lost or refused: " + oneLine(e);
                failed(what, "retrying");
                log.println("warning: " + what + "; retrying in " + settings.retryDelay().toSeconds() + " s");
                log.flush();
                long until = System.nanoTime() + settings.retryDelay().toNanos();
                while (!stop.getAsBoolean() && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
            } catch (RuntimeException e) {
                if (valve == null || !BacklogValve.unreachable(e)) {
                    throw e;
                }
                repositoryDown = oneLine(e);
                failed("the repository cannot store: " + repositoryDown, "repository-unreachable");
                log.println("warning: the repository cannot store WAL (" + repositoryDown + "); holding at most "
                        + dr.summit.repository.format.HumanSizes.bytes(valve.limit()) + " of WAL on the primary (--max-wal-backlog)");
                log.flush();
            }
        }
    }

    /** How often the valve session looks whether the repository is back. */
    private static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * While the repository cannot store: receives without storing, and acknowledges what was
     * received only once the WAL kept on the primary for us (received minus acknowledged; the
     * receiver reads without pause here, so received is the server's WAL end but for what is in
     * flight) passes the limit — recording the gap durably first. Returns when the repository is
     * reachable again (its gaps written into it), or on stop.
     */
    private void valveSession(BacklogValve v, BooleanSupplier stop, String why) throws SQLException, InterruptedException {
        Properties extra = new Properties();
        extra.setProperty("assumeMinServerVersion", "10");
        extra.setProperty("preferQueryMode", "simple");
        try (Connection conn = connector.open(extra)) {
            Server server = identify(conn);
            long acked = slotRestartLsn(conn);
            PGReplicationStream stream = conn.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical()
                    .withSlotName(settings.slot())
                    .withStartPosition(LogSequenceNumber.valueOf(acked))
                    .withStatusInterval((int) settings.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
                    .start();
            state.set("repository-unreachable");
            try {
                long nextProbe = System.nanoTime() + PROBE_NANOS;
                while (!stop.getAsBoolean()) {
                    ByteBuffer data = stream.readPending();
                    if (data != null) {
                        long received = stream.getLastReceiveLSN().asLong();
                        receivedLsn.set(received);
                        if (v.over(received - acked)) {
                            // Durable in the journal before PostgreSQL hears it may recycle the WAL.
                            v.dropped(server.timeline(), acked, received, "stream", List.of(), why);
                            acked = report(stream, received);
                        }
                        continue;
                    }
                    if (System.nanoTime() >= nextProbe) {
                        if (v.repositoryBack(repo, cluster)) {
                            return;
                        }
                        nextProbe = System.nanoTime() + PROBE_NANOS;
                    }
                    Thread.sleep(20);
                }
            } finally {
                if (!conn.isClosed()) {
                    stream.close();
                }
            }
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }

    private void session(BooleanSupplier stop) throws SQLException, InterruptedException {
        Properties extra = new Properties();
        extra.setProperty("assumeMinServerVersion", "10");
        extra.setProperty("preferQueryMode", "simple");
        try (Connection conn = connector.open(extra)) {
            Server server = identify(conn);
            archive.checkSystemIdentifier("the replication connection", server.systemId());
            long restart = slotRestartLsn(conn);
            TimelineHistory history = server.timeline() > 1 ? storeHistory(conn, server.timeline()) : null;
            long start = startLsn(server, restart, history);
            GrowingSegment segment = load(server, start / server.segmentSize());
            log.printf("streaming WAL of system %s timeline %d from %s (slot %s restart_lsn %s) into cluster '%s'%n",
                    Long.toUnsignedString(server.systemId()), server.timeline(), Lsn.format(segment.startLsn()), settings.slot(),
                    Lsn.format(restart), cluster);
            log.flush();
            PGReplicationStream stream = conn.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical()
                    .withSlotName(settings.slot())
                    .withStartPosition(LogSequenceNumber.valueOf(segment.startLsn()))
                    .withStatusInterval((int) settings.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
                    .start();
            state.set("streaming");
            AtomicBoolean blocked = new AtomicBoolean();
            Thread watch = stopWatch(conn, blocked, stop);
            try (StreamWriter writer = new StreamWriter(pieces, archive)) {
                stream(stream, PendingBytes.of(conn), server, segment, writer, blocked, stop);
            } finally {
                watch.interrupt();
                if (!conn.isClosed()) {
                    stream.close();
                }
            }
        }
    }

    /**
     * While idle the receiver blocks in the socket read, which holds the connection's lock (pgjdbc):
     * on stop it is woken by aborting the connection — only then, and only while it is blocked.
     */
    private static Thread stopWatch(Connection conn, AtomicBoolean blocked, BooleanSupplier stop) {
        Thread watch = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    if (blocked.get() && stop.getAsBoolean()) {
                        conn.abort(Runnable::run);
                        return;
                    }
                    Thread.sleep(50);
                }
            } catch (InterruptedException | SQLException e) {
                // the session ended first, or the connection is already gone
            }
        }, "summit-wal-stop-watch");
        watch.setDaemon(true);
        watch.start();
        return watch;
    }

    /**
     * Receives on this thread and stores on the writer's: the socket is drained first, then what
     * arrived goes to the writer as one piece when it is idle (so one fsync covers every commit that
     * came in meanwhile), and the flush position is sent as soon as a piece is durable. With
     * nothing to store or report it blocks on the socket, so a commit's WAL is seen at once.
     */
    private void stream(PGReplicationStream stream, PendingBytes pending, Server server, GrowingSegment first,
                        StreamWriter writer, AtomicBoolean blocked, BooleanSupplier stop) throws SQLException, InterruptedException {
        GrowingSegment segment = first;
        long reported = 0;
        boolean connected = true;
        try {
            while (!stop.getAsBoolean()) {
                long flushable = flushable(writer, segment);
                if (flushable > reported) {
                    reported = report(stream, flushable);
                }
                if (waiting(pending)) {
                    ByteBuffer data = stream.readPending();
                    if (data != null) {
                        segment = accept(stream, server, segment, data, writer);
                        continue;
                    }
                    if (pending.exact()) {
                        continue;   // it was a keepalive, answered by pgjdbc
                    }
                }
                if (segment.hasUnsubmitted() && writer.canStorePiece()) {
                    writer.storePiece(segment);
                } else if (writer.pieceInFlight()) {
                    // The writer wakes this thread when the piece is durable; the timeout only
                    // bounds how late new WAL is read into the next piece meanwhile.
                    LockSupport.parkNanos(PIECE_WAIT_NANOS);
                } else {
                    // Nothing to store or report: wait for the server.
                    blocked.set(true);
                    ByteBuffer data;
                    try {
                        data = stop.getAsBoolean() ? null : stream.read();
                    } finally {
                        blocked.set(false);
                    }
                    if (data != null) {
                        segment = accept(stream, server, segment, data, writer);
                    }
                }
            }
        } catch (SQLException e) {
            if (!stop.getAsBoolean()) {
                throw e;
            }
            connected = false;   // the stop watch ended the blocked read
        } finally {
            // Whatever arrived is made durable, also when the connection was lost.
            if (segment.hasUnsubmitted()) {
                writer.storePiece(segment);
            }
            writer.finish();
        }
        long flushable = flushable(writer, segment);
        if (connected && flushable > reported) {
            report(stream, flushable);
        }
    }

    private static boolean waiting(PendingBytes pending) throws SQLException {
        try {
            return pending.any();
        } catch (java.io.IOException e) {
            throw new SQLException("cannot read the replication connection: " + e.getMessage(), e);
        }
    }

    private static final long PIECE_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    /**
     * The position that may be reported: the end of the pieces stored without a hole, or, with none
     * in flight, the current segment's durable and received bytes (which include bytes the
     * repository held before this session, once the server sent them again).
     */
    private static long flushable(StreamWriter writer, GrowingSegment segment) throws InterruptedException {
        long durable = writer.collect();
        return writer.pieceInFlight() ? durable : Math.max(durable, segment.flushableLsn());
    }

    /** Takes one message's WAL into its segment(s); returns the segment now being filled. */
    private GrowingSegment accept(PGReplicationStream stream, Server server, GrowingSegment current, ByteBuffer data,
                                  StreamWriter writer) throws InterruptedException {
        GrowingSegment segment = current;
        long at = stream.getLastReceiveLSN().asLong() - data.remaining();
        while (data.hasRemaining()) {
            if (at >= segment.endLsn()) {
                segment = load(server, at / server.segmentSize());
            }
            int offset = (int) (at - segment.startLsn());
            int n = Math.min(data.remaining(), server.segmentSize() - offset);
            segment.accept(offset, data, n);
            at += n;
            receivedLsn.set(at);
            if (segment.complete()) {
                writer.storePiece(segment);
                writer.archiveWhenDurable(segment);
            } else if (segment.unsubmittedBytes() >= settings.maxPieceBytes()) {
                writer.storePiece(segment);
            }
        }
        return segment;
    }

    private long report(PGReplicationStream stream, long lsn) throws SQLException {
        LogSequenceNumber position = LogSequenceNumber.valueOf(lsn);
        stream.setFlushedLSN(position);
        stream.setAppliedLSN(position);
        stream.forceUpdateStatus();
        flushedLsn.set(lsn);
        lastFlush.set(Instant.now());
        return lsn;
    }

    /** What IDENTIFY_SYSTEM and the server's settings say. */
    record Server(long systemId, int timeline, long flushLsn, int segmentSize) {
    }

    private static Server identify(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            long systemId;
            int timeline;
            long flush;
            try (ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
                rs.next();
                systemId = Long.parseUnsignedLong(rs.getString("systemid"));
                timeline = rs.getInt("timeline");
                flush = Lsn.parse(rs.getString("xlogpos"));
            }
            int segmentSize;
            try (ResultSet rs = st.executeQuery("SHOW wal_segment_size")) {
                rs.next();
                segmentSize = parseSize(rs.getString(1));
            }
            return new Server(systemId, timeline, flush, segmentSize);
        }
    }

    /** wal_segment_size as SHOW prints it: "16MB", "1GB". */
    static int parseSize(String shown) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(kB|MB|GB)").matcher(shown.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read wal_segment_size '" + shown + "'");
        }
        long unit = switch (m.group(2)) {
            case "kB" -> 1L << 10;
            case "MB" -> 1L << 20;
            default -> 1L << 30;
        };
        return Math.toIntExact(Long.parseLong(m.group(1)) * unit);
    }

    /** The slot's restart_lsn; the slot is created (physical, WAL reserved now) when missing. */
    private long slotRestartLsn(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            String lsn = readSlot(st);
            if (lsn == null) {
                st.execute("CREATE_REPLICATION_SLOT " + settings.slot() + " PHYSICAL RESERVE_WAL");
                log.println("created physical replication slot " + settings.slot()
                        + " (it keeps WAL on the server while the receiver is down: set max_slot_wal_keep_size)");
                lsn = readSlot(st);
            }
            if (lsn == null) {
                throw new SQLException("replication slot " + settings.slot() + " has no restart_lsn");
            }
            return Lsn.parse(lsn);
        }
    }

    private String readSlot(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("READ_REPLICATION_SLOT " + settings.slot())) {
            if (!rs.next() || rs.getString("slot_type") == null) {
                return null;
            }
            if (!"physical".equals(rs.getString("slot_type"))) {
                throw new IllegalArgumentException("replication slot " + settings.slot() + " is a " + rs.getString("slot_type")
                        + " slot; the receiver needs a physical one (--slot)");
            }
            return rs.getString("restart_lsn");
        }
    }

    /**
     * Where to start: the slot's restart_lsn or the end of what the repository holds on this
     * timeline, whichever is later, but never past the server's flush position — rounded down to
     * the segment start, so the segment is rebuilt from its beginning (already stored bytes are
     * compared, not trusted).
     */
    private long startLsn(Server server, long restart, TimelineHistory history) {
        long held = 0;
        boolean parentHeld = false;
        long perFile = WalSegments.segmentsPerLogicalFile(server.segmentSize());
        List<String> names = archive.listWithStreamed();
        for (int i = names.size() - 1; i >= 0; i--) {
            WalFileName name = WalFileName.parse(names.get(i));
            if (name.kind() == WalFileName.Kind.SEGMENT && name.timeline() == server.timeline()) {
                held = name.segmentNumber(perFile) * server.segmentSize();
                break;
            }
            parentHeld |= history != null && name.kind() == WalFileName.Kind.SEGMENT && name.timeline() == history.parent();
        }
        long floor = restart;
        if (held == 0 && parentHeld && Long.compareUnsigned(history.branchLsn(), restart) < 0) {
            // A promoted server (its slot new): the repository has the parent timeline, so the new one
            // must follow from the branch point, not from where the new slot happens to start.
            floor = history.branchLsn();
        }
        long start = held == 0 ? floor : Math.max(floor, held);
        start = Math.min(start, server.flushLsn());
        return start - start % server.segmentSize();
    }

    /**
     * Stores the history file of the server's timeline (compared when archive_command stored it
     * first): restore needs it to follow the timeline.
     */
    private TimelineHistory storeHistory(Connection conn, int timeline) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + timeline)) {
            rs.next();
            String file = rs.getString(1);
            String content = rs.getString(2);
            archive.push(file, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return TimelineHistory.parse(timeline, content);
        }
    }

    /** The segment numbered {@code number}, with the bytes the repository already holds for it. */
    private GrowingSegment load(Server server, long number) {
        long perFile = WalSegments.segmentsPerLogicalFile(server.segmentSize());
        String name = WalFileName.segmentName(server.timeline(), number, perFile);
        byte[] archived = repo.store().exists(WalArchive.prefix(cluster) + name) ? archive.read(name) : null;
        byte[] known = archived != null ? archived : pieces.durablePrefix(name);
        return new GrowingSegment(name, number * server.segmentSize(), server.segmentSize(), known);
    }
}
