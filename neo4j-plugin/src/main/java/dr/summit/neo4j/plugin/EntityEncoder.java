package dr.summit.neo4j.plugin;

import org.neo4j.exceptions.KernelException;
import org.neo4j.internal.kernel.api.NodeCursor;
import org.neo4j.internal.kernel.api.PropertyCursor;
import org.neo4j.internal.kernel.api.RelationshipScanCursor;
import org.neo4j.internal.kernel.api.TokenRead;
import org.neo4j.internal.kernel.api.TokenSet;

import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * One export thread's work on the entity under its cursor: the record in the agent's stream
 * format ({@link ExportEncoder}) into this thread's row, and the entity's hash into this thread's
 * partial digest ({@link GraphHash}; the partial sums add up to the graph's). Not thread-safe: one
 * per export thread, each with its own token read and cursors. ({@code tokens} may be null for
 * {@link ExportWarmUp}, which gives names, not token ids.)
 *
 * <p>Values come from the kernel's property cursor ({@code asObjectCopy()}, what
 * {@code getAllProperties()} returns), no entity object or map per entity. With both records and
 * digest, each value is encoded once: the digest's canonical bytes copy the record's value bytes,
 * which are the same encoding ({@code ExportEncoder.writeValue}).
 */
final class EntityEncoder {
    private static final String[] NO_STRINGS = new String[0];
    private final TokenRead tokens;
    private final boolean records;
    private final GraphHash hash;
    private final GraphHash.LongLongMap nodeKeys;
    private final ByteSink out;
    // token id -> name: arrays, not maps (a lookup per label and key of every entity, no boxing)
    private String[] labelNames = new String[64];
    private String[] typeNames = new String[64];
    private String[] keyNames = new String[64];
    /** token id -> the one-label set {name}: most nodes have one label; shared, never changed (sorted). */
    private String[][] singleLabels = new String[64][];
    private String[] keyBuffer = new String[16];
    private Object[] valueBuffer = new Object[16];
    private int[] valueBounds = new int[32];
    private final Encoded encoded = new Encoded();
    private final ExportEncoder.Names names = new ExportEncoder.Names();
    private long nodes;
    private long relationships;

    /**
     * {@code hash} null: no digest; otherwise this thread's partial digest, and {@code nodeKeys} the
     * node keys shared by all threads (written while nodes are read, read for relationships after
     * every node has been read).
     */
    EntityEncoder(TokenRead tokens, boolean records, GraphHash hash, GraphHash.LongLongMap nodeKeys, int rowBytes) {
        this.tokens = tokens;
        this.records = records;
        this.hash = hash;
        this.nodeKeys = nodeKeys;
        this.out = new ByteSink(records ? rowBytes + (rowBytes >> 2) : 16);
    }

    void node(NodeCursor node, PropertyCursor properties) {
        long id = node.nodeReference();
        TokenSet ts = node.labels();
        String[] labels = labels(ts);
        node.properties(properties);
        int n = readProperties(properties);
        node(id, labels, Arrays.copyOf(keyBuffer, n), Arrays.copyOf(valueBuffer, n));
    }

    /**
     * The node once read from the store (what {@link #node(NodeCursor, PropertyCursor)} does
     * after the cursors): its record and hash. {@code labels}, {@code keys} and {@code values} are
     * sorted in place. Also the entry of {@link ExportWarmUp}, which has no store.
     */
    void node(long id, String[] labels, String[] keys, Object[] values) {
        int n = keys.length;
        try {
            if (hash != null && records) {
                // the digest's order (labels sorted, properties by key), so the record holds them
                // sorted too and the digest copies the record's value bytes in order
                Arrays.sort(labels);
                GraphHash.sortByKey(keys, values);
                ExportEncoder.writeNode(out, id, labels, keys, values, bounds(n), names);
                nodeKeys.put(id, hash.node(labels, keys, values, encoded.reset()));
            } else if (hash != null) {
                nodeKeys.put(id, hash.node(labels, keys, values, ExportEncoder::writeValue));
            } else if (records) {
                ExportEncoder.writeNode(out, id, labels, keys, values, names);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        nodes++;
    }

    void relationship(RelationshipScanCursor rel, PropertyCursor properties) {
        long id = rel.relationshipReference();
        long start = rel.sourceNodeReference();
        long end = rel.targetNodeReference();
        String type = typeName(rel.type());
        rel.properties(properties);
        int n = readProperties(properties);
        relationship(id, start, end, type, Arrays.copyOf(keyBuffer, n), Arrays.copyOf(valueBuffer, n));
    }

    /** The relationship once read from the store (as {@link #node(long, String[], String[], Object[])}). */
    void relationship(long id, long start, long end, String type, String[] keys, Object[] values) {
        int n = keys.length;
        try {
            if (hash != null && records) {
                GraphHash.sortByKey(keys, values);
                ExportEncoder.writeRelationship(out, id, start, end, type, keys, values, bounds(n), names);
                hash.relationship(type, nodeKeys.get(start), nodeKeys.get(end), keys, values, encoded.reset());
            } else if (hash != null) {
                hash.relationship(type, nodeKeys.get(start), nodeKeys.get(end), keys, values, ExportEncoder::writeValue);
            } else if (records) {
                ExportEncoder.writeRelationship(out, id, start, end, type, keys, values, names);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        relationships++;
    }

    /** Bytes in the current row. */
    int rowSize() {
        return out.size();
    }

    /** Entities since the last {@link #takeRow}. */
    boolean hasEntities() {
        return nodes + relationships > 0;
    }

    /** The current row (its records and the number of each kind), and starts a new one. */
    ExportPass.Chunk takeRow() {
        ExportPass.Chunk row = new ExportPass.Chunk(records ? out.toByteArray() : new byte[0], nodes, relationships, null);
        out.reset();
        nodes = 0;
        relationships = 0;
        return row;
    }

    private int readProperties(PropertyCursor properties) {
        int n = 0;
        while (properties.next()) {
            if (n == keyBuffer.length) {
                keyBuffer = Arrays.copyOf(keyBuffer, n * 2);
                valueBuffer = Arrays.copyOf(valueBuffer, n * 2);
            }
            keyBuffer[n] = keyName(properties.propertyKey());
            valueBuffer[n] = properties.propertyValue().asObjectCopy();
            n++;
        }
        return n;
    }

    private int[] bounds(int values) {
        if (valueBounds.length < 2 * values) {
            valueBounds = new int[4 * values];
        }
        return valueBounds;
    }

    /** The node's labels; the array may be shared (one label): callers only sort it, which leaves it as it is. */
    private String[] labels(TokenSet ts) {
        int count = ts.numberOfTokens();
        if (count == 0) {
            return NO_STRINGS;
        }
        if (count == 1) {
            int token = ts.token(0);
            if (token >= singleLabels.length) {
                singleLabels = Arrays.copyOf(singleLabels, Math.max(token + 1, singleLabels.length * 2));
            }
            String[] one = singleLabels[token];
            if (one == null) {
                one = singleLabels[token] = new String[] {labelName(token)};
            }
            return one;
        }
        String[] labels = new String[count];
        for (int i = 0; i < count; i++) {
            labels[i] = labelName(ts.token(i));
        }
        return labels;
    }

    private String labelName(int token) {
        if (token >= labelNames.length) {
            labelNames = Arrays.copyOf(labelNames, Math.max(token + 1, labelNames.length * 2));
        }
        String name = labelNames[token];
        return name != null ? name : (labelNames[token] = lookUp(token, 'L'));
    }

    private String typeName(int token) {
        if (token >= typeNames.length) {
            typeNames = Arrays.copyOf(typeNames, Math.max(token + 1, typeNames.length * 2));
        }
        String name = typeNames[token];
        return name != null ? name : (typeNames[token] = lookUp(token, 'T'));
    }

    private String keyName(int token) {
        if (token >= keyNames.length) {
            keyNames = Arrays.copyOf(keyNames, Math.max(token + 1, keyNames.length * 2));
        }
        String name = keyNames[token];
        return name != null ? name : (keyNames[token] = lookUp(token, 'P'));
    }

    private String lookUp(int token, char kind) {
        try {
            return switch (kind) {
                case 'L' -> tokens.nodeLabelName(token);
                case 'T' -> tokens.relationshipTypeName(token);
                default -> tokens.propertyKeyName(token);
            };
        } catch (KernelException e) {
            throw new IllegalStateException("summit-dr export: token " + token + " has no name: " + e.getMessage(), e);
        }
    }

    /**
     * Gives the digest each value of the record just written as the bytes the record holds (the
     * same encoding), in order: a value is encoded once, not twice.
     */
    private final class Encoded implements GraphHash.ValueWriter {
        private int next;

        Encoded reset() {
            next = 0;
            return this;
        }

        @Override
        public void write(DataOutput canonical, Object value) throws IOException {
            int from = valueBounds[2 * next];
            int to = valueBounds[2 * next + 1];
            next++;
            canonical.write(out.array(), from, to - from);
        }
    }
}
