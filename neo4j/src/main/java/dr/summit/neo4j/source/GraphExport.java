package dr.summit.neo4j.source;

import dr.summit.neo4j.stream.ChangeStreamCodec;
import dr.summit.neo4j.stream.GraphChange;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Session;
import org.neo4j.driver.Value;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The online ("fuzzy") export: every node, then every relationship, streamed from one read per
 * kind while writers go on. What it misses or sees half-done is put right by replaying the changes
 * captured after the horizon taken before it started (DESIGN.md principle 4).
 */
public final class GraphExport {
    public record Counts(long nodes, long relationships) {
    }

    private GraphExport() {
    }

    public static Counts write(Neo4jConnection conn, ChangeStreamCodec.Writer out) {
        long[] counts = new long[2];
        conn.read(session -> {
            stream(session, "MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props", r -> {
                out.write(new GraphChange(GraphChange.Op.CREATE_NODE, 0, 0, r.get("id").asLong(), -1, -1,
                        r.get("labels").asList(Value::asString), props(r.get("props")), List.of()));
                counts[0]++;
            });
            stream(session, "MATCH (a)-[r]->(b) RETURN id(r) AS id, type(r) AS type, id(a) AS s, id(b) AS e, properties(r) AS props", r -> {
                out.write(new GraphChange(GraphChange.Op.CREATE_REL, 0, 0, r.get("id").asLong(), r.get("s").asLong(), r.get("e").asLong(),
                        List.of(r.get("type").asString()), props(r.get("props")), List.of()));
                counts[1]++;
            });
            return null;
        });
        return new Counts(counts[0], counts[1]);
    }

    interface RowSink {
        void accept(Record r) throws IOException;
    }

    private static void stream(Session session, String query, RowSink sink) {
        Result result = session.run(query);
        try {
            while (result.hasNext()) {
                sink.accept(result.next());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> props(Value map) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : map.keys()) {
            out.put(k, map.get(k).asObject());
        }
        return out;
    }

    /** Index and constraint definitions (not the token-lookup indexes every database has). */
    public static List<String> schema(Neo4jConnection conn) {
        return conn.read(session -> {
            List<String> out = new java.util.ArrayList<>();
            session.run("SHOW CONSTRAINTS YIELD createStatement RETURN createStatement ORDER BY createStatement")
                    .forEachRemaining(r -> out.add(r.get(0).asString()));
            session.run("SHOW INDEXES YIELD name, type, owningConstraint, createStatement "
                            + "WHERE type <> 'LOOKUP' AND owningConstraint IS NULL AND NOT name STARTS WITH 'summit_dr_restore' "
                            + "RETURN createStatement ORDER BY createStatement")
                    .forEachRemaining(r -> out.add(r.get(0).asString()));
            return out;
        });
    }
}
