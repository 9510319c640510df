package dr.summit.neo4j.source;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.stream.GraphChange;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Value;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plugin's procedures as the agent sees them. */
public final class CaptureClient {
    /** The plugin procedures this agent needs (CaptureProcedures.FEED_VERSION; 2: summit.export; 3: summit.txlog). */
    public static final long FEED_VERSION = 3;

    private final Neo4jConnection conn;

    public record Status(String logId, long feedVersion, long completeAfter, long sessions, String directory) {
    }

    public CaptureClient(Neo4jConnection conn) {
        this.conn = conn;
    }

    /** The log's status; a clear failure when the plugin is missing or too new/old. */
    public Status status() {
        Status s = conn.read(session -> {
            Record r = session.run("CALL summit.capture.status()").single();
            return new Status(r.get("logId").asString(), r.get("feedVersion").asLong(), r.get("completeAfter").asLong(),
                    r.get("sessions").asLong(), r.get("directory").asString());
        });
        if (s.feedVersion() != FEED_VERSION) {
            throw new Neo4jFailure("the summit-dr plugin in Neo4j at " + conn.uri() + " speaks feed version " + s.feedVersion()
                    + ", this agent " + FEED_VERSION + ": install the matching plugin with 'summit-dr neo4j plugin --output DIR'");
        }
        return s;
    }

    /** A transaction id below which the change log misses nothing (waits for in-flight commits). */
    public long barrier() {
        return conn.read(session -> session.run("CALL summit.capture.barrier($t)", Map.of("t", 120_000L)).single().get("horizon").asLong());
    }

    /** Receives the feed one change at a time. */
    public interface ChangeSink {
        void accept(GraphChange change) throws IOException;
    }

    /**
     * The changes of transactions in (after, upTo] in the log's order (not id order: see
     * FeedSorter), handed over one by one as the driver pulls them in batches of its fetch size
     * (1000 records): neither side holds the feed.
     */
    public void changes(long after, long upTo, ChangeSink sink) throws IOException {
        try {
            conn.read(session -> {
                Result result = session.run("CALL summit.capture.changes($after, $upTo)", Map.of("after", after, "upTo", upTo));
                while (result.hasNext()) {
                    try {
                        sink.accept(toChange(result.next()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Whether any data change was captured in (after, upTo] (reads one row). */
    public boolean anyChanges(long after, long upTo) {
        return conn.read(session -> session.run("CALL summit.capture.changes($after, $upTo) YIELD txId RETURN txId LIMIT 1",
                Map.of("after", after, "upTo", upTo)).hasNext());
    }

    /**
     * Hands {@code each} the data transactions (not token or schema only) in (after, upTo] by
     * Neo4j's own transaction log, in log order; returns the oldest transaction the log still holds
     * (0: none).
     */
    public long dataTransactions(long after, long upTo, java.util.function.LongConsumer each) {
        return conn.read(session -> {
            Result result = session.run("CALL summit.txlog.dataTransactions($after, $upTo)", Map.of("after", after, "upTo", upTo));
            long oldest = 0;
            while (result.hasNext()) {
                Record r = result.next();
                oldest = r.get("oldestTx").asLong();
                for (Value id : r.get("txIds").values()) {
                    each.accept(id.asLong());
                }
            }
            return oldest;
        });
    }

    public void truncate(long upTo) {
        conn.read(session -> session.run("CALL summit.capture.truncate($u)", Map.of("u", upTo)).consume());
    }

    private static GraphChange toChange(Record r) {
        Map<String, Object> props = new LinkedHashMap<>();
        Value p = r.get("props");
        for (String k : p.keys()) {
            props.put(k, p.get(k).asObject());
        }
        return new GraphChange(GraphChange.Op.valueOf(r.get("op").asString()), r.get("txId").asLong(), r.get("commitTime").asLong(),
                r.get("id").asLong(), r.get("start").asLong(), r.get("end").asLong(),
                r.get("names").asList(Value::asString), props, r.get("removed").asList(Value::asString));
    }
}
