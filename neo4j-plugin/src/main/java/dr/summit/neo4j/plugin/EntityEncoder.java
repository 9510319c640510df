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
import java.util.HashMap;
import java.util.Map;

/**
 * One export thread's work on the entity under its cursor: the record in the agent's stream
 * format ({@link ExportEncoder}) into this thread's row, and the entity's hash into this thread's
 * partial digest ({@link GraphHash}; the partial sums add up to the graph's). Not thread-safe: one
 * per export thread, each with its own token read and cursors.
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
    private final Map<Integer, String> labelNames = new HashMap<>();
    private final Map<Integer, String> typeNames = new HashMap<>();
    private final Map<Integer, String> keyNames = new HashMap<>();
    private String[] keyBuffer = new String[16];
    private Object[] valueBuffer = new Object[16];
    private int[] valueBounds = new int[32];
    private final Encoded encoded = new Encoded();
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
        String[] labels = ts.numberOfTokens() == 0 ? NO_STRINGS : new String[ts.numberOfTokens()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = name(labelNames, ts.token(i), 'L');
        }
        node.properties(properties);
        int n = readProperties(properties);
        String[] keys = Arrays.copyOf(keyBuffer, n);
        Object[] values = Arrays.copyOf(valueBuffer, n);
        try {
            if (hash != null && records) {
                // the digest's order (labels sorted, properties by key), so the record holds them
                // sorted too and the digest copies the record's value bytes in order
                Arrays.sort(labels);
                GraphHash.sortByKey(keys, values);
                ExportEncoder.writeNode(out, id, labels, keys, values, bounds(n));
                nodeKeys.put(id, hash.node(labels, keys, values, encoded.reset()));
            } else if (hash != null) {
                nodeKeys.put(id, hash.node(labels, keys, values, ExportEncoder::writeValue));
            } else if (records) {
                ExportEncoder.writeNode(out, id, labels, keys, values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        nodes++;
    }

    void relationship(RelationshipScanCursor rel, PropertyCursor properties) {
        long start = rel.sourceNodeReference();
        long end = rel.targetNodeReference();
        String type = name(typeNames, rel.type(), 'T');
        rel.properties(properties);
        int n = readProperties(properties);
        String[] keys = Arrays.copyOf(keyBuffer, n);
        Object[] values = Arrays.copyOf(valueBuffer, n);
        try {
            if (hash != null && records) {
                GraphHash.sortByKey(keys, values);
                ExportEncoder.writeRelationship(out, rel.relationshipReference(), start, end, type, keys, values, bounds(n));
                hash.relationship(type, nodeKeys.get(start), nodeKeys.get(end), keys, values, encoded.reset());
            } else if (hash != null) {
                hash.relationship(type, nodeKeys.get(start), nodeKeys.get(end), keys, values, ExportEncoder::writeValue);
            } else if (records) {
                ExportEncoder.writeRelationship(out, rel.relationshipReference(), start, end, type, keys, values);
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
            keyBuffer[n] = name(keyNames, properties.propertyKey(), 'P');
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

    private String name(Map<Integer, String> cache, int token, char kind) {
        String name = cache.get(token);
        if (name == null) {
            try {
                name = switch (kind) {
                    case 'L' -> tokens.nodeLabelName(token);
                    case 'T' -> tokens.relationshipTypeName(token);
                    default -> tokens.propertyKeyName(token);
                };
            } catch (KernelException e) {
                throw new IllegalStateException("summit-dr export: token " + token + " has no name: " + e.getMessage(), e);
            }
            cache.put(token, name);
        }
        return name;
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
