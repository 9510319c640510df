package dr.summit.neo4j.plugin;

import java.io.ByteArrayOutputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 * proves the two write the same bytes). The digest is the counts plus the sum of the 128-bit
 * hashes mod 2^128, so the order of reading does not matter. Plain Java: the agent uses it
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
    private long high;
    private long low;
    private long nodes;
    private long relationships;

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
        murmur3(buffer.bytes(), buffer.size());
        long sumLow = low + h2;
        long carry = Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0;
        low = sumLow;
        high = high + h1 + carry;
        return h1 ^ Long.rotateLeft(h2, 17);
    }

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long C1 = 0x87c37b91114253d5L, C2 = 0x4cf5ad432745937fL;
    private long h1;
    private long h2;

    /**
     * MurmurHash3 x64 128 (seed 0) of {@code data[0, length)} into h1, h2. Not SHA-256: the digest
     * detects a restore that lost or changed something, no adversary forges entities, and a hash
     * per entity over millions of entities is the digest's main cost.
     */
    private void murmur3(byte[] data, int length) {
        long a = 0, b = 0;
        int blocks = length >>> 4;
        for (int i = 0; i < blocks; i++) {
            long k1 = (long) LONG_LE.get(data, i << 4);
            long k2 = (long) LONG_LE.get(data, (i << 4) + 8);
            a ^= Long.rotateLeft(k1 * C1, 31) * C2;
            a = Long.rotateLeft(a, 27) + b;
            a = a * 5 + 0x52dce729;
            b ^= Long.rotateLeft(k2 * C2, 33) * C1;
            b = Long.rotateLeft(b, 31) + a;
            b = b * 5 + 0x38495ab5;
        }
        int tail = blocks << 4, rest = length & 15;
        long k1 = 0, k2 = 0;
        for (int i = 0; i < rest; i++) {
            long v = data[tail + i] & 0xffL;
            if (i < 8) {
                k1 ^= v << (8 * i);
            } else {
                k2 ^= v << (8 * (i - 8));
            }
        }
        if (rest > 8) {
            b ^= Long.rotateLeft(k2 * C2, 33) * C1;
        }
        if (rest > 0) {
            a ^= Long.rotateLeft(k1 * C1, 31) * C2;
        }
        a ^= length;
        b ^= length;
        a += b;
        b += a;
        a = fmix(a);
        b = fmix(b);
        a += b;
        b += a;
        h1 = a;
        h2 = b;
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
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
