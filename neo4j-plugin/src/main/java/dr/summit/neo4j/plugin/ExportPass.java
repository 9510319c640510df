package dr.summit.neo4j.plugin;

import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * One read of the store for a full backup: every node, then every relationship, encoded in the
 * agent's stream format ({@link ExportEncoder}) and cut into chunks of about {@code chunkBytes},
 * so Bolt carries a few large byte arrays instead of one map per entity. With {@code digest}, the
 * graph digest ({@link GraphHash}) is computed in the same pass; it keeps each node's key (16 bytes
 * a node in a primitive map) for the relationships. An incremental backup asks for the digest
 * alone: the same pass without the encoding.
 */
final class ExportPass implements Iterator<ExportPass.Chunk>, AutoCloseable {
    record Chunk(byte[] data, long nodes, long relationships, String digest) {
    }

    private final ResourceIterator<Node> nodes;
    private final ResourceIterator<Relationship> relationships;
    private final boolean records;
    private final GraphHash hash;
    private final GraphHash.LongLongMap nodeKeys;
    private final int chunkBytes;
    private final ByteArrayOutputStream buffer;
    private final DataOutputStream out;
    private long nodeCount;
    private long relationshipCount;
    private boolean done;

    /** {@code records} false: the digest alone (one row), nothing encoded. */
    ExportPass(Transaction tx, boolean records, boolean digest, int chunkBytes) {
        this.records = records;
        this.nodes = tx.getAllNodes().iterator();
        this.relationships = tx.getAllRelationships().iterator();
        this.hash = digest ? new GraphHash() : null;
        this.nodeKeys = digest ? new GraphHash.LongLongMap() : null;
        this.chunkBytes = chunkBytes;
        this.buffer = new ByteArrayOutputStream(chunkBytes + (chunkBytes >> 2));
        this.out = new DataOutputStream(buffer);
    }

    @Override
    public boolean hasNext() {
        return !done;
    }

    /** The next chunk; the last one (possibly empty) carries the counts and the digest. */
    @Override
    @SuppressWarnings("deprecation")  // internal ids: what the capture log and the agent's replay key on
    public Chunk next() {
        if (done) {
            throw new NoSuchElementException();
        }
        buffer.reset();
        try {
            while (buffer.size() < chunkBytes && nodes.hasNext()) {
                Node n = nodes.next();
                List<String> labels = new ArrayList<>();
                for (Label l : n.getLabels()) {
                    labels.add(l.name());
                }
                Map<String, Object> props = n.getAllProperties();
                if (records) {
                    ExportEncoder.writeNode(out, n.getId(), labels.toArray(new String[0]), props);
                }
                if (hash != null) {
                    nodeKeys.put(n.getId(), hash.node(labels, props, ExportEncoder::writeValue));
                }
                nodeCount++;
            }
            while (buffer.size() < chunkBytes && relationships.hasNext()) {
                Relationship r = relationships.next();
                long start = r.getStartNode().getId();
                long end = r.getEndNode().getId();
                String type = r.getType().name();
                Map<String, Object> props = r.getAllProperties();
                if (records) {
                    ExportEncoder.writeRelationship(out, r.getId(), start, end, type, props);
                }
                if (hash != null) {
                    hash.relationship(type, nodeKeys.get(start), nodeKeys.get(end), props, ExportEncoder::writeValue);
                }
                relationshipCount++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        done = !nodes.hasNext() && !relationships.hasNext();
        String digest = done && hash != null ? hash.toString() : null;
        return new Chunk(buffer.toByteArray(), nodeCount, relationshipCount, digest);
    }

    @Override
    public void close() {
        nodes.close();
        relationships.close();
    }
}
