package dr.summit.neo4j.plugin;

import org.neo4j.exceptions.KernelException;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.NodeCursor;
import org.neo4j.internal.kernel.api.PropertyCursor;
import org.neo4j.internal.kernel.api.Read;
import org.neo4j.internal.kernel.api.RelationshipScanCursor;
import org.neo4j.internal.kernel.api.TokenRead;
import org.neo4j.internal.kernel.api.TokenSet;
import org.neo4j.kernel.api.KernelTransaction;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * One read of the store for a full backup: every node, then every relationship, encoded in the
 * agent's stream format ({@link ExportEncoder}) and cut into chunks of about {@code chunkBytes},
 * so Bolt carries a few large byte arrays instead of one map per entity. With {@code digest}, the
 * graph digest ({@link GraphHash}) is computed in the same pass; it keeps each node's key (8 bytes
 * a node) for the relationships. An incremental backup asks for the digest alone: the same pass
 * without the encoding.
 *
 * <p>Reads through the kernel's cursors (one node, relationship and property cursor for the whole
 * pass), not {@code getAllNodes()}/{@code getAllProperties()}, which allocate an entity, a property
 * cursor and a map per entity: on the benchmark's 300k-node graph an unchanged full went from 1.8 s
 * to 1.4 s, an incremental (mostly its digest-only pass) from 2.4 s to 1.4 s (docs/benchmarks.md). Values are
 * {@code asObjectCopy()}, what {@code getAllProperties()} returns.
 */
final class ExportPass implements Iterator<ExportPass.Chunk>, AutoCloseable {
    record Chunk(byte[] data, long nodes, long relationships, String digest) {
    }

    private static final String[] NO_STRINGS = new String[0];
    private final boolean records;
    private final Read read;
    private final TokenRead tokens;
    private final NodeCursor nodes;
    private final RelationshipScanCursor relationships;
    private final PropertyCursor properties;
    private final GraphHash hash;
    private final GraphHash.LongLongMap nodeKeys;
    private final int chunkBytes;
    private final ByteSink out;
    private final Map<Integer, String> labelNames = new HashMap<>();
    private final Map<Integer, String> typeNames = new HashMap<>();
    private final Map<Integer, String> keyNames = new HashMap<>();
    private String[] keyBuffer = new String[16];
    private Object[] valueBuffer = new Object[16];
    private boolean nodesLeft = true;
    private boolean relationshipsStarted;
    private boolean relationshipsLeft = true;
    private long nodeCount;
    private long relationshipCount;
    private boolean done;

    /** {@code records} false: the digest alone (one row), nothing encoded. */
    ExportPass(Transaction tx, boolean records, boolean digest, int chunkBytes) {
        KernelTransaction ktx = ((InternalTransaction) tx).kernelTransaction();
        this.records = records;
        this.read = ktx.dataRead();
        this.tokens = ktx.tokenRead();
        this.nodes = ktx.cursors().allocateNodeCursor(ktx.cursorContext(), ktx.memoryTracker());
        this.relationships = ktx.cursors().allocateRelationshipScanCursor(ktx.cursorContext(), ktx.memoryTracker());
        this.properties = ktx.cursors().allocatePropertyCursor(ktx.cursorContext(), ktx.memoryTracker());
        this.hash = digest ? new GraphHash() : null;
        this.nodeKeys = digest ? new GraphHash.LongLongMap() : null;
        this.chunkBytes = chunkBytes;
        this.out = new ByteSink(records ? chunkBytes + (chunkBytes >> 2) : 16);
        read.allNodesScan(nodes);
    }

    @Override
    public boolean hasNext() {
        return !done;
    }

    /** The next chunk; the last one (possibly empty) carries the counts and the digest. */
    @Override
    public Chunk next() {
        if (done) {
            throw new NoSuchElementException();
        }
        out.reset();
        try {
            while (nodesLeft && out.size() < chunkBytes) {
                if (!nodes.next()) {
                    nodesLeft = false;
                    break;
                }
                long id = nodes.nodeReference();
                TokenSet ts = nodes.labels();
                String[] labels = ts.numberOfTokens() == 0 ? NO_STRINGS : new String[ts.numberOfTokens()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = name(labelNames, ts.token(i), 'L');
                }
                nodes.properties(properties);
                int n = readProperties();
                String[] keys = Arrays.copyOf(keyBuffer, n);
                Object[] values = Arrays.copyOf(valueBuffer, n);
                if (hash != null) {
                    // sorts labels and keys in place: the record then holds them sorted too
                    nodeKeys.put(id, hash.node(labels, keys, values, ExportEncoder::writeValue));
                }
                if (records) {
                    ExportEncoder.writeNode(out, id, labels, keys, values);
                }
                nodeCount++;
            }
            if (!nodesLeft && !relationshipsStarted) {
                read.allRelationshipsScan(relationships);
                relationshipsStarted = true;
            }
            while (relationshipsStarted && relationshipsLeft && out.size() < chunkBytes) {
                if (!relationships.next()) {
                    relationshipsLeft = false;
                    break;
                }
                long start = relationships.sourceNodeReference();
                long end = relationships.targetNodeReference();
                String type = name(typeNames, relationships.type(), 'T');
                relationships.properties(properties);
                int n = readProperties();
                String[] keys = Arrays.copyOf(keyBuffer, n);
                Object[] values = Arrays.copyOf(valueBuffer, n);
                if (hash != null) {
                    hash.relationship(type, nodeKeys.get(start), nodeKeys.get(end), keys, values, ExportEncoder::writeValue);
                }
                if (records) {
                    ExportEncoder.writeRelationship(out, relationships.relationshipReference(), start, end, type, keys, values);
                }
                relationshipCount++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        done = !nodesLeft && !relationshipsLeft;
        String digest = done && hash != null ? hash.toString() : null;
        return new Chunk(out.toByteArray(), nodeCount, relationshipCount, digest);
    }

    /** The property cursor's properties into the key and value buffers; returns their number. */
    private int readProperties() {
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

    @Override
    public void close() {
        nodes.close();
        relationships.close();
        properties.close();
    }
}
