package dr.summit.neo4j.source;

import dr.summit.neo4j.plugin.GraphHash;
import dr.summit.neo4j.stream.ChangeStreamCodec;
import org.neo4j.driver.Value;

/**
 * The graph digest read over Bolt (after a restore, or in a test): the same definition
 * ({@link GraphHash}) the plugin computes during the export, values in the stream encoding of the
 * driver's types ({@link ChangeStreamCodec#writeValue}), which the plugin's encoding equals for
 * every property type (ExportCodecAgreementTest). Ignores internal ids, so a source and its
 * restored copy compare equal. Keeps 16 bytes a node (its key), nothing else.
 */
public final class GraphDigest {
    public record Digest(long nodes, long relationships, String sum) {
        @Override
        public String toString() {
            return "nodes=" + nodes + ",rels=" + relationships + ",sum=" + sum;
        }

        public static Digest parse(String s) {
            String[] parts = s.split(",");
            return new Digest(Long.parseLong(parts[0].substring(6)), Long.parseLong(parts[1].substring(5)), parts[2].substring(4));
        }
    }

    private GraphDigest() {
    }

    public static Digest of(Neo4jConnection conn) {
        return conn.read(session -> {
            GraphHash hash = new GraphHash();
            GraphHash.LongLongMap nodeKeys = new GraphHash.LongLongMap();
            var nodes = session.run("MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props");
            while (nodes.hasNext()) {
                var r = nodes.next();
                nodeKeys.put(r.get("id").asLong(), hash.node(r.get("labels").asList(Value::asString), r.get("props").asMap(Value::asObject),
                        ChangeStreamCodec::writeValue));
            }
            var rels = session.run("MATCH (a)-[r]->(b) RETURN type(r) AS type, id(a) AS s, id(b) AS e, properties(r) AS props");
            while (rels.hasNext()) {
                var r = rels.next();
                hash.relationship(r.get("type").asString(), nodeKeys.get(r.get("s").asLong()), nodeKeys.get(r.get("e").asLong()),
                        r.get("props").asMap(Value::asObject), ChangeStreamCodec::writeValue);
            }
            return Digest.parse(hash.toString());
        });
    }
}
