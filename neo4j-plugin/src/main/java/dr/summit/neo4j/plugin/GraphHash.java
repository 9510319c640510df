package dr.summit.neo4j.plugin;

import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    private final ByteSink canonical = new ByteSink(256);
    private long high;
    private long low;
    private long nodes;
    private long relationships;

    /** Adds a node; returns its key (what its relationships hash for it). */
    public long node(Collection<String> labels, Map<String, ?> props, ValueWriter values) {
        String[] keys = props.keySet().toArray(new String[0]);
        Object[] vals = new Object[keys.length];
        for (int i = 0; i < keys.length; i++) {
            vals[i] = props.get(keys[i]);
        }
        return node(labels.toArray(new String[0]), keys, vals, values);
    }

    /** The same from arrays, which it sorts in place (labels; keys with their values). */
    public long node(String[] labels, String[] keys, Object[] vals, ValueWriter values) {
        Arrays.sort(labels);
        sortByKey(keys, vals);
        try {
            canonical.reset();
            canonical.writeByte('N');
            canonical.writeInt(labels.length);
            for (String l : labels) {
                writeString(l);
            }
            writeProps(keys, vals, values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        nodes++;
        return add();
    }

    /** Adds a relationship between the nodes with keys {@code startKey} and {@code endKey}. */
    public void relationship(String type, long startKey, long endKey, Map<String, ?> props, ValueWriter values) {
        String[] keys = props.keySet().toArray(new String[0]);
        Object[] vals = new Object[keys.length];
        for (int i = 0; i < keys.length; i++) {
            vals[i] = props.get(keys[i]);
        }
        relationship(type, startKey, endKey, keys, vals, values);
    }

    /** The same from arrays, which it sorts in place. */
    public void relationship(String type, long startKey, long endKey, String[] keys, Object[] vals, ValueWriter values) {
        sortByKey(keys, vals);
        try {
            canonical.reset();
            canonical.writeByte('R');
            writeString(type);
            canonical.writeLong(startKey);
            canonical.writeLong(endKey);
            writeProps(keys, vals, values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        relationships++;
        add();
    }

    private void writeProps(String[] keys, Object[] vals, ValueWriter values) throws IOException {
        canonical.writeInt(keys.length);
        for (int i = 0; i < keys.length; i++) {
            writeString(keys[i]);
            values.write(canonical, vals[i]);
        }
    }

    /** Insertion sort of keys, moving each value with its key (entities have few properties). */
    static void sortByKey(String[] keys, Object[] vals) {
        for (int i = 1; i < keys.length; i++) {
            String k = keys[i];
            Object v = vals[i];
            int j = i - 1;
            while (j >= 0 && keys[j].compareTo(k) > 0) {
                keys[j + 1] = keys[j];
                vals[j + 1] = vals[j];
                j--;
            }
            keys[j + 1] = k;
            vals[j + 1] = v;
        }
    }

    /**
     * Labels, types and keys are a small vocabulary repeated on every entity: their canonical bytes
     * (length-prefixed UTF-8) are made once, not encoded and allocated per entity. Bounded, for a
     * graph with many keys: past the bound a string is encoded each time, as before.
     */
    private void writeString(String s) {
        byte[] b = stringBytes.get(s);
        if (b == null) {
            byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            b = ByteBuffer.allocate(4 + utf8.length).putInt(utf8.length).put(utf8).array();
            if (stringBytes.size() < STRING_CACHE) {
                stringBytes.put(s, b);
            }
        }
        canonical.write(b, 0, b.length);
    }

    private static final int STRING_CACHE = 4096;
    private final java.util.HashMap<String, byte[]> stringBytes = new java.util.HashMap<>();

    private long add() {
        murmur3(canonical.array(), canonical.size());
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
            a ^= rotl(k1 * C1, 31) * C2;
            a = rotl(a, 27) + b;
            a = a * 5 + 0x52dce729;
            b ^= rotl(k2 * C2, 33) * C1;
            b = rotl(b, 31) + a;
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
            b ^= rotl(k2 * C2, 33) * C1;
        }
        if (rest > 0) {
            a ^= rotl(k1 * C1, 31) * C2;
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

    /** Long.rotateLeft written out: the same in C2, no call in the cold code the first full runs (its JFR profile). */
    private static long rotl(long x, int n) {
        return (x << n) | (x >>> (64 - n));
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /**
     * Adds another digest's entities (a partial digest of another export thread): the sum is mod
     * 2^128 and the counts add, so it is the digest of both sets together.
     */
    public void add(GraphHash other) {
        long sumLow = low + other.low;
        long carry = Long.compareUnsigned(sumLow, low) < 0 ? 1 : 0;
        low = sumLow;
        high = high + other.high + carry;
        nodes += other.nodes;
        relationships += other.relationships;
    }

    /** The digest as the agent records it: {@code nodes=N,rels=R,sum=HEX} (the v2 canonical form). */
    @Override
    public String toString() {
        return "nodes=" + nodes + ",rels=" + relationships + ",sum=" + HexFormat.of().formatHex(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
    }

    /**
     * Node id -> node key. Node ids are dense (the store's record ids), so a paged array indexed by
     * id (8 bytes a node, one memory access) rather than a hash table (three arrays to probe: the
     * profile's second item); ids past 2^36 (no store has them) go to a hash map.
     *
     * <p>Puts may come from several threads (the export's, each its own ids): a page is made under
     * a lock and published in a new page directory (volatile), so a thread that finds its page
     * writes without a lock. Gets after the puts, once the writing threads are known to be done
     * (the export waits for every node before the first relationship).
     */
    public static final class LongLongMap {
        private static final int PAGE_BITS = 16;
        private static final long DENSE_LIMIT = 1L << 36;
        private volatile long[][] pages = new long[16][];
        private final java.util.Map<Long, Long> sparse = java.util.Collections.synchronizedMap(new java.util.HashMap<>());

        public void put(long key, long value) {
            if (key < 0 || key >= DENSE_LIMIT) {
                sparse.put(key, value);
                return;
            }
            int page = (int) (key >>> PAGE_BITS);
            long[][] dir = pages;
            long[] p = page < dir.length ? dir[page] : null;
            if (p == null) {
                p = page(page);
            }
            p[(int) key & ((1 << PAGE_BITS) - 1)] = value;
        }

        private synchronized long[] page(int page) {
            long[][] dir = pages;
            if (page < dir.length && dir[page] != null) {
                return dir[page];
            }
            long[][] next = java.util.Arrays.copyOf(dir, page < dir.length ? dir.length : Math.max(dir.length * 2, page + 1));
            long[] p = next[page] = new long[1 << PAGE_BITS];
            pages = next;
            return p;
        }

        /** The value, or 0 when absent. */
        public long get(long key) {
            if (key < 0 || key >= DENSE_LIMIT) {
                return sparse.getOrDefault(key, 0L);
            }
            int page = (int) (key >>> PAGE_BITS);
            long[][] dir = pages;
            long[] p = page < dir.length ? dir[page] : null;
            return p == null ? 0 : p[(int) key & ((1 << PAGE_BITS) - 1)];
        }
    }
}
