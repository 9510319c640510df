package dr.summit.neo4j.source;

import org.neo4j.driver.Value;
import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Point;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A digest of a graph's content that ignores internal ids, so a source and its restored copy
 * compare equal: each node hashes its sorted labels and properties; each relationship its type,
 * properties and both end nodes' hashes; the digest is the counts plus the sum (mod 2^128) of all
 * hashes, so the order of reading does not matter. Reads node hashes into a primitive map (16
 * bytes per node), nothing else is kept.
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
            LongLongMap nodeHash = new LongLongMap();
            long[] sum = new long[2];
            long[] counts = new long[2];
            var nodes = session.run("MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props");
            while (nodes.hasNext()) {
                var r = nodes.next();
                List<String> labels = new ArrayList<>(r.get("labels").asList(Value::asString));
                Collections.sort(labels);
                StringBuilder b = new StringBuilder("N");
                b.append(labels).append(canonical(r.get("props").asMap(v -> v.asObject())));
                long[] h = hash(b);
                nodeHash.put(r.get("id").asLong(), h[0] ^ Long.rotateLeft(h[1], 17));
                add(sum, h);
                counts[0]++;
            }
            var rels = session.run("MATCH (a)-[r]->(b) RETURN type(r) AS type, id(a) AS s, id(b) AS e, properties(r) AS props");
            while (rels.hasNext()) {
                var r = rels.next();
                StringBuilder b = new StringBuilder("R");
                b.append(r.get("type").asString()).append('|').append(nodeHash.get(r.get("s").asLong())).append('|')
                        .append(nodeHash.get(r.get("e").asLong())).append(canonical(r.get("props").asMap(v -> v.asObject())));
                add(sum, hash(b));
                counts[1]++;
            }
            ByteBuffer out = ByteBuffer.allocate(16).putLong(sum[0]).putLong(sum[1]);
            return new Digest(counts[0], counts[1], HexFormat.of().formatHex(out.array()));
        });
    }

    private static void add(long[] sum, long[] h) {
        long low = sum[1] + h[1];
        long carry = Long.compareUnsigned(low, sum[1]) < 0 ? 1 : 0;
        sum[1] = low;
        sum[0] = sum[0] + h[0] + carry;
    }

    private static long[] hash(CharSequence s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.wrap(d);
            return new long[] {b.getLong(), b.getLong()};
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A type-tagged rendering: 1 and 1.0 and "1" differ; maps by sorted key. */
    static String canonical(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            new TreeMap<>(m).forEach((k, x) -> b.append(k).append('=').append(canonical(x)).append(';'));
            return b.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder b = new StringBuilder("[");
            l.forEach(x -> b.append(canonical(x)).append(','));
            return b.append(']').toString();
        }
        if (v instanceof byte[] bytes) {
            return "B:" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof Double d) {
            return "D:" + Long.toHexString(Double.doubleToLongBits(d));
        }
        if (v instanceof IsoDuration d) {
            return "P:" + d.months() + "/" + d.days() + "/" + d.seconds() + "/" + d.nanoseconds();
        }
        if (v instanceof Point p) {
            return "G:" + p.srid() + "/" + p.x() + "/" + p.y() + "/" + p.z();
        }
        return v.getClass().getSimpleName().charAt(0) + ":" + v;
    }

    /** Open addressing long -> long map (node id -> node hash). */
    static final class LongLongMap {
        private long[] keys = new long[1 << 12];
        private long[] values = new long[1 << 12];
        private boolean[] used = new boolean[1 << 12];
        private int size;

        void put(long key, long value) {
            if (size * 2 >= keys.length) {
                grow();
            }
            int i = slot(key, keys.length);
            while (used[i] && keys[i] != key) {
                i = (i + 1) & (keys.length - 1);
            }
            if (!used[i]) {
                used[i] = true;
                size++;
            }
            keys[i] = key;
            values[i] = value;
        }

        long get(long key) {
            int i = slot(key, keys.length);
            while (used[i]) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & (keys.length - 1);
            }
            return 0;
        }

        private static int slot(long key, int length) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 32) & (length - 1);
        }

        private void grow() {
            long[] k = keys, v = values;
            boolean[] u = used;
            keys = new long[k.length * 2];
            values = new long[k.length * 2];
            used = new boolean[k.length * 2];
            size = 0;
            for (int i = 0; i < k.length; i++) {
                if (u[i]) {
                    put(k[i], v[i]);
                }
            }
        }
    }
}
