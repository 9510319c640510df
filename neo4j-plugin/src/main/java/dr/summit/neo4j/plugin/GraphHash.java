package dr.summit.neo4j.plugin;

import java.io.ByteArrayOutputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;

/**
 * The graph digest, shared by the plugin (computed during the export, in the same pass) and the
 * agent (computed over Bolt after a restore), so both compute it from one definition. It ignores
 * internal ids: a node hashes {@code 'N'}, its sorted labels and its properties sorted by key; a
 * relationship {@code 'R'}, its type, both end nodes' keys (64 bits of their hashes) and its sorted
 * properties; values in the agent's stream encoding, written by the caller's {@link ValueWriter}
 * (the plugin's ExportEncoder for embedded values, the agent's codec for driver values; a test
 * proves the two write the same bytes). The digest is the counts plus the sum of the SHA-256
 * prefixes mod 2^128, so the order of reading does not matter. Plain Java: the agent uses it
 * without the Neo4j server API.
 */
public final class GraphHash {
    /** Writes one property value in the agent's stream encoding. */
    public interface ValueWriter {
        void write(DataOutput out, Object value) throws IOException;
    }

    private static final class Buffer extends ByteArrayOutputStream {
        byte[] bytes() {
            return buf;
        }
    }

    private final Buffer buffer = new Buffer();
    private final DataOutputStream canonical = new DataOutputStream(buffer);
    private final MessageDigest sha;
    private long high;
    private long low;
    private long nodes;
    private long relationships;

    public GraphHash() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds a node; returns its key (what its relationships hash for it). */
    public long node(Collection<String> labels, Map<String, ?> props, ValueWriter values) {
        try {
            buffer.reset();
            canonical.writeByte('N');
            String[] sorted = labels.toArray(new String[0]);
            Arrays.sort(sorted);
            canonical.writeInt(sorted.length);
            for (String l : sorted) {
                writeString(l);
            }
            writeSortedProps(props, values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        nodes++;
        return add();
    }

    /** Adds a relationship between the nodes with keys {@code startKey} and {@code endKey}. */
    public void relationship(String type, long startKey, long endKey, Map<String, ?> props, ValueWriter values) {
        try {
            buffer.reset();
            canonical.writeByte('R');
            writeString(type);
            canonical.writeLong(startKey);
            canonical.writeLong(endKey);
            writeSortedProps(props, values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        relationships++;
        add();
    }

    private void writeSortedProps(Map<String, ?> props, ValueWriter values) throws IOException {
        String[] keys = props.keySet().toArray(new String[0]);
        Arrays.sort(keys);
        canonical.writeInt(keys.length);
        for (String k : keys) {
            writeString(k);
            values.write(canonical, props.get(k));
        }
    }

    private void writeString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        canonical.writeInt(b.length);
        canonical.write(b);
    }

    private long add() {
        sha.update(buffer.bytes(), 0, buffer.size());
        ByteBuffer d = ByteBuffer.wrap(sha.digest());
        long h0 = d.getLong();
        long h1 = d.getLong();
        long sumLow = low + h1;
        long carry = Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0;
        low = sumLow;
        high = high + h0 + carry;
        return h0 ^ Long.rotateLeft(h1, 17);
    }

    /** The digest as the agent records it: {@code nodes=N,rels=R,sum=HEX} (the v2 canonical form). */
    @Override
    public String toString() {
        return "nodes=" + nodes + ",rels=" + relationships + ",sum=" + HexFormat.of().formatHex(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
    }

    /** Open addressing long -> long map (node id -> node key): 17 bytes a slot, no boxing. */
    public static final class LongLongMap {
        private long[] keys = new long[1 << 12];
        private long[] values = new long[1 << 12];
        private boolean[] used = new boolean[1 << 12];
        private int size;

        public void put(long key, long value) {
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

        /** The value, or 0 when absent. */
        public long get(long key) {
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
