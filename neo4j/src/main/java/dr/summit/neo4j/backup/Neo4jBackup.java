package dr.summit.neo4j.backup;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.source.CaptureClient;
import dr.summit.neo4j.source.GraphExport;
import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.neo4j.stream.ChangeStreamCodec;
import dr.summit.neo4j.stream.FeedSorter;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One backup run. A full: horizon H0 (barrier), online export, horizon H1, the captured changes in
 * (H0, H1]; restoring it means loading the export and replaying those changes, which makes the
 * fuzzy export consistent at H1. An incremental: the changes since the previous backup's end.
 * A full is taken when asked, when there is none, when the last full is older than
 * {@code fullEvery}, and whenever the feed cannot continue the chain (another log, or a gap: the
 * server was killed and the log lost its tail, or Neo4j's own transaction log holds a data
 * transaction of the range that the feed lacks) — the reason is part of the result. The feed
 * goes through {@link FeedSorter}: bounded memory whatever its length.
 */
public final class Neo4jBackup {
    /**
     * {@code txLogCheck}: compare each range's captured transactions with Neo4j's own transaction
     * log (on by default; off only reproduces, in tests, a backup taken before the check existed).
     */
    public record Options(String database, boolean forceFull, Duration fullEvery, boolean digest, String host, String username,
                          String program, List<String> tags, boolean txLogCheck) {
        public Options(String database, boolean forceFull, Duration fullEvery, boolean digest, String host, String username,
                       String program, List<String> tags) {
            this(database, forceFull, fullEvery, digest, host, username, program, tags, true);
        }
    }

    /** {@code entry} null when nothing changed since the previous backup (no snapshot written). */
    public record Result(Neo4jCatalogue.Entry entry, Neo4jCatalogue.Entry previous, String fullReason, long bytesAdded) {
    }

    private final Repository repo;
    private final Options options;

    public Neo4jBackup(Repository repo, Options options) {
        this.repo = repo;
        this.options = options;
    }

    public Result run(Neo4jConnection conn) throws InterruptedException {
        CaptureClient capture = new CaptureClient(conn);
        CaptureClient.Status status = capture.status();
        Neo4jCatalogue catalogue = new Neo4jCatalogue(repo, options.database());
        Neo4jCatalogue.Entry previous = catalogue.latest();
        String reason = fullReason(catalogue, previous, status);
        Instant started = Instant.now();
        Result result;
        try {
            result = reason != null ? full(conn, capture, status, reason, started, previous)
                    : incremental(conn, capture, status, previous, started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (result.entry() != null) {
            // The next incremental reads after this end: older whole sessions of the log are done
            // with (one agent per database; restore never reads the server's log).
            capture.truncate(result.entry().toTx());
        }
        return result;
    }

    private String fullReason(Neo4jCatalogue catalogue, Neo4jCatalogue.Entry previous, CaptureClient.Status status) {
        if (options.forceFull()) {
            return "--full was given";
        }
        if (previous == null) {
            return "first backup of database '" + options.database() + "'";
        }
        if (!status.logId().equals(previous.logId())) {
            return "the server's change log (" + status.logId() + ") is not the one the last backup read (" + previous.logId() + ")";
        }
        if (status.completeAfter() > previous.toTx()) {
            return "gap in the change feed: the log is complete only after tx " + status.completeAfter() + ", the last backup ended at tx "
                    + previous.toTx() + " (the server stopped uncleanly); the chain ends there";
        }
        Neo4jCatalogue.Chain chain = catalogue.chains().stream()
                .filter(c -> c.last().id().equals(previous.id())).findFirst().orElse(null);
        if (chain == null) {
            return "the last backup (" + previous.snapshot().shortId() + ") ends no complete chain";
        }
        if (options.fullEvery() != null && chain.full().snapshot().time().plus(options.fullEvery()).isBefore(Instant.now())) {
            return "the last full (" + chain.full().snapshot().shortId() + ") is older than " + options.fullEvery().toString().substring(2).toLowerCase();
        }
        return null;
    }

    private Result full(Neo4jConnection conn, CaptureClient capture, CaptureClient.Status status, String reason, Instant started,
                        Neo4jCatalogue.Entry previous) throws IOException, InterruptedException {
        long h0 = capture.barrier();
        List<String> schema = GraphExport.schema(conn);
        try (BackupFiles files = new BackupFiles(repo)) {
            GraphExport.Counts[] counts = new GraphExport.Counts[1];
            files.add(BackupFiles.EXPORT, out -> {
                try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(out)) {
                    counts[0] = GraphExport.write(conn, w, options.digest());
                }
            });
            long h1 = capture.barrier();
            Instant end = Instant.now();
            try (Feed feed = fetch(capture, h0, h1)) {
                if (feed.check() != null && feed.check().gap()) {
                    // A full cannot end a chain to recover from this: its own replay would miss them.
                    throw failure("the change capture of database '" + options.database() + "' lacks " + feed.check().describeMissing()
                            + " of tx " + h0 + ".." + h1 + " that Neo4j's transaction log holds: the capture log in " + status.directory()
                            + " is damaged; restart Neo4j (a new capture session starts) and back up again");
                }
                writeChanges(files, feed.sorter());
                files.add(BackupFiles.SCHEMA, String.join("\n", schema).getBytes(StandardCharsets.UTF_8));
                Map<String, String> a = attributes(Neo4jCatalogue.FULL, status, h0, h1, started, end, feed.sorter());
                a.put(Neo4jCatalogue.NODES, Long.toString(counts[0].nodes()));
                a.put(Neo4jCatalogue.RELATIONSHIPS, Long.toString(counts[0].relationships()));
                // The export's digest is the graph's at H1 when nothing changed while it was read.
                if (counts[0].digest() != null && feed.sorter().changes() == 0) {
                    a.put(Neo4jCatalogue.DIGEST, counts[0].digest());
                }
                Snapshot s = files.commit(summary(started), template(null, a));
                return new Result(Neo4jCatalogue.Entry.of(s), previous, reason, files.newBytes());
            }
        }
    }

    private Result incremental(Neo4jConnection conn, CaptureClient capture, CaptureClient.Status status, Neo4jCatalogue.Entry previous,
                               Instant started) throws IOException, InterruptedException {
        long h = capture.barrier();
        Instant end = Instant.now();
        try (Feed feed = fetch(capture, previous.toTx(), h)) {
            if (feed.check() != null && feed.check().gap()) {
                // Item 7 of the design: a gap ends the chain at the previous backup; a full starts the next.
                feed.close();
                return full(conn, capture, status, "gap in the change feed: Neo4j's transaction log holds " + feed.check().describeMissing()
                        + " that the capture log lacks (a lost or damaged capture session); the chain ends at tx " + previous.toTx(),
                        started, previous);
            }
            if (feed.sorter().changes() == 0) {
                return new Result(null, previous, null, 0);
            }
            List<String> schema = GraphExport.schema(conn);
            try (BackupFiles files = new BackupFiles(repo)) {
                writeChanges(files, feed.sorter());
                files.add(BackupFiles.SCHEMA, String.join("\n", schema).getBytes(StandardCharsets.UTF_8));
                Map<String, String> a = attributes(Neo4jCatalogue.INCREMENTAL, status, previous.toTx(), h, started, end, feed.sorter());
                a.put(Neo4jCatalogue.CHAIN, previous.full() ? previous.id() : previous.chain());
                digest(conn, capture, h, a);
                Snapshot s = files.commit(summary(started), template(previous.id(), a));
                return new Result(Neo4jCatalogue.Entry.of(s), previous, null, files.newBytes());
            }
        }
    }

    /** A range's feed, sorted on the agent's disk, and what Neo4j's own log says of the range. */
    private record Feed(FeedSorter sorter, TxLogCheck.Result check) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            sorter.close();
        }
    }

    /**
     * Pulls the changes of (after, upTo] through the bounded sorter (the feed of a day is never
     * held in memory) and, unless disabled, checks the range against Neo4j's transaction log.
     */
    private Feed fetch(CaptureClient capture, long after, long upTo) throws IOException {
        FeedSorter sorter = FeedSorter.inTempDir();
        try {
            TxLogCheck.Captured captured = new TxLogCheck.Captured(after, upTo);
            capture.changes(after, upTo, c -> {
                captured.add(c.txId());
                sorter.add(c);
            });
            TxLogCheck.Result check = options.txLogCheck() ? TxLogCheck.check(capture, after, upTo, captured) : null;
            return new Feed(sorter, check);
        } catch (IOException | RuntimeException e) {
            sorter.close();
            throw e;
        }
    }

    private static void writeChanges(BackupFiles files, FeedSorter feed) throws IOException, InterruptedException {
        files.add(BackupFiles.CHANGES, out -> {
            try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(out)) {
                feed.writeTo(w);
            }
        });
    }

    /**
     * Records an incremental's digest of the graph at {@code horizon} when it can be read
     * consistently: the plugin reads the store live (in process, one row over Bolt), so the digest
     * counts only if no data change committed while it was read. A full takes its digest from its
     * export's pass instead.
     */
    private void digest(Neo4jConnection conn, CaptureClient capture, long horizon, Map<String, String> a) {
        if (!options.digest()) {
            return;
        }
        String d = GraphExport.digest(conn);
        long after = capture.barrier();
        if (after == horizon || !capture.anyChanges(horizon, after)) {
            a.put(Neo4jCatalogue.DIGEST, d);
        }
    }

    private Map<String, String> attributes(String type, CaptureClient.Status status, long fromTx, long toTx, Instant started, Instant end,
                                           FeedSorter changes) {
        Map<String, String> a = new HashMap<>();
        a.put(Neo4jCatalogue.DATABASE, options.database());
        a.put(Neo4jCatalogue.TYPE, type);
        a.put(Neo4jCatalogue.LOG_ID, status.logId());
        a.put(Neo4jCatalogue.FROM_TX, Long.toString(fromTx));
        a.put(Neo4jCatalogue.TO_TX, Long.toString(toTx));
        a.put(Neo4jCatalogue.FROM_TIME, started.toString());
        a.put(Neo4jCatalogue.TO_TIME, end.toString());
        a.put(Neo4jCatalogue.CHANGES, Long.toString(changes.changes()));
        a.put(Neo4jCatalogue.TRANSACTIONS, Long.toString(changes.transactions()));
        return a;
    }

    private Snapshot template(String parent, Map<String, String> attributes) {
        return new Snapshot(null, Snapshot.VERSION, Neo4jCatalogue.KIND, Instant.now(), options.host(), options.username(),
                List.of("neo4j:" + options.database()), options.tags(), null, parent, options.program(), null, attributes);
    }

    private static Snapshot.Summary summary(Instant started) {
        return new Snapshot.Summary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Duration.between(started, Instant.now()).toMillis());
    }

    static Neo4jFailure failure(String message) {
        return new Neo4jFailure(message);
    }
}
