package dr.summit.neo4j.source;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.stream.GraphChange;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Value;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The plugin's procedures as the agent sees them. */
public final class CaptureClient {
    /** The plugin procedures this agent needs (CaptureProcedures.FEED_VERSION; 2: summit.export). */
    public static final long FEED_VERSION = 2;

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

    /** The changes of transactions in (after, upTo], in transaction order (the log is not). */
    public List<GraphChange> changes(long after, long upTo) {
        List<GraphChange> out = conn.read(session -> {
            List<GraphChange> list = new ArrayList<>();
            Result result = session.run("CALL summit.capture.changes($after, $upTo)", Map.of("after", after, "upTo", upTo));
            while (result.hasNext()) {
                list.add(toChange(result.next()));
            }
            return list;
        });
        // Stable: a transaction's changes keep the plugin's order (deletes before creates, …).
        out.sort(Comparator.comparingLong(GraphChange::txId));
        return out;
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
