package dr.summit.neo4j.plugin;

import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.event.LabelEntry;
import org.neo4j.graphdb.event.PropertyEntry;
import org.neo4j.graphdb.event.TransactionData;
import org.neo4j.graphdb.event.TransactionEventListener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The transaction listener. {@code beforeCommit} copies the transaction's changes into plain values
 * (the only place where the transaction can still be read); {@code afterCommit} adds the tx id and
 * commit time, which exist only then, and hands the record to the {@link ChangeLog} writer. No
 * encoding or I/O happens on the committing thread.
 *
 * <p>Every transaction between the two calls is "in flight"; {@link #barrier} waits for those to
 * finish, which is how the agent gets a horizon below which the log misses nothing even though
 * {@code afterCommit} calls arrive out of id order.
 */
final class ChangeCapture implements TransactionEventListener<ChangeCapture.Pending> {
    private final ChangeLog log;
    private final LongSupplier lastClosedTx;
    private final Set<Pending> inFlight = ConcurrentHashMap.newKeySet();

    static final class Pending {
        final List<Change> changes;

        Pending(List<Change> changes) {
            this.changes = changes;
        }
    }

    ChangeCapture(ChangeLog log, LongSupplier lastClosedTx) {
        this.log = log;
        this.lastClosedTx = lastClosedTx;
    }

    @Override
    public Pending beforeCommit(TransactionData data, Transaction transaction, GraphDatabaseService db) {
        Pending p = new Pending(collect(data));
        inFlight.add(p);
        return p;
    }

    @Override
    public void afterCommit(TransactionData data, Pending state, GraphDatabaseService db) {
        try {
            if (state != null && !state.changes.isEmpty()) {
                log.append(new TxChanges(data.getTransactionId(), data.getCommitTime(), state.changes));
            }
        } finally {
            if (state != null) {
                remove(state);
            }
        }
    }

    @Override
    public void afterRollback(TransactionData data, Pending state, GraphDatabaseService db) {
        if (state != null) {
            remove(state);
        }
    }

    private void remove(Pending p) {
        inFlight.remove(p);
        synchronized (inFlight) {
            inFlight.notifyAll();
        }
    }

    /**
     * The last closed transaction, once every transaction that could have an id at or below it has
     * passed {@code afterCommit} and its record is on disk.
     */
    long barrier(long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        long horizon = lastClosedTx.getAsLong();
        List<Pending> waitFor = new ArrayList<>(inFlight);
        synchronized (inFlight) {
            for (Pending p : waitFor) {
                while (inFlight.contains(p)) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        throw new IllegalStateException("summit-dr barrier: transactions still committing after " + timeoutMillis + " ms");
                    }
                    inFlight.wait(Math.min(left, 50));
                }
            }
        }
        log.flush(Math.max(1, deadline - System.currentTimeMillis()));
        return horizon;
    }

    /** The changes in the order the agent applies them (Change.Op order). */
    static List<Change> collect(TransactionData data) {
        List<Change> out = new ArrayList<>();
        Set<Long> createdNodes = new HashSet<>();
        Set<Long> deletedNodes = new HashSet<>();
        Set<Long> createdRels = new HashSet<>();
        Set<Long> deletedRels = new HashSet<>();
        for (Node n : data.createdNodes()) {
            createdNodes.add(n.getId());
        }
        for (Node n : data.deletedNodes()) {
            deletedNodes.add(n.getId());
        }
        for (Relationship r : data.createdRelationships()) {
            createdRels.add(r.getId());
        }
        for (Relationship r : data.deletedRelationships()) {
            deletedRels.add(r.getId());
        }
        for (Relationship r : data.deletedRelationships()) {
            if (!createdRels.contains(r.getId())) {
                out.add(new Change(Change.Op.DELETE_REL, r.getId(), r.getStartNode().getId(), r.getEndNode().getId(),
                        Change.NONE, Change.NONE, Change.NO_VALUES));
            }
        }
        for (long id : deletedNodes) {
            if (!createdNodes.contains(id)) {
                out.add(new Change(Change.Op.DELETE_NODE, id, -1, -1, Change.NONE, Change.NONE, Change.NO_VALUES));
            }
        }
        // Labels and properties, grouped per node; a created node gets them inside its CREATE.
        Map<Long, List<String>> added = new LinkedHashMap<>();
        Map<Long, List<String>> removed = new LinkedHashMap<>();
        for (LabelEntry e : data.assignedLabels()) {
            added.computeIfAbsent(e.node().getId(), k -> new ArrayList<>()).add(e.label().name());
        }
        for (LabelEntry e : data.removedLabels()) {
            removed.computeIfAbsent(e.node().getId(), k -> new ArrayList<>()).add(e.label().name());
        }
        Map<Long, Props> nodeProps = new LinkedHashMap<>();
        for (PropertyEntry<Node> e : data.assignedNodeProperties()) {
            nodeProps.computeIfAbsent(e.entity().getId(), k -> new Props()).put(e.key(), e.value());
        }
        for (PropertyEntry<Node> e : data.removedNodeProperties()) {
            nodeProps.computeIfAbsent(e.entity().getId(), k -> new Props()).put(e.key(), null);
        }
        for (long id : createdNodes) {
            if (deletedNodes.contains(id)) {
                continue;
            }
            List<String> labels = added.getOrDefault(id, List.of());
            Props props = nodeProps.getOrDefault(id, new Props());
            out.add(new Change(Change.Op.CREATE_NODE, id, -1, -1, labels.toArray(Change.NONE), props.keys(), props.values()));
        }
        added.forEach((id, labels) -> {
            if (!createdNodes.contains(id) && !deletedNodes.contains(id)) {
                out.add(new Change(Change.Op.ADD_LABELS, id, -1, -1, labels.toArray(Change.NONE), Change.NONE, Change.NO_VALUES));
            }
        });
        removed.forEach((id, labels) -> {
            if (!createdNodes.contains(id) && !deletedNodes.contains(id)) {
                out.add(new Change(Change.Op.REMOVE_LABELS, id, -1, -1, labels.toArray(Change.NONE), Change.NONE, Change.NO_VALUES));
            }
        });
        nodeProps.forEach((id, props) -> {
            if (!createdNodes.contains(id) && !deletedNodes.contains(id)) {
                out.add(new Change(Change.Op.SET_NODE_PROPS, id, -1, -1, Change.NONE, props.keys(), props.values()));
            }
        });
        Map<Long, Props> relProps = new HashMap<>();
        Map<Long, Relationship> relOf = new HashMap<>();
        for (PropertyEntry<Relationship> e : data.assignedRelationshipProperties()) {
            relProps.computeIfAbsent(e.entity().getId(), k -> new Props()).put(e.key(), e.value());
            relOf.putIfAbsent(e.entity().getId(), e.entity());
        }
        for (PropertyEntry<Relationship> e : data.removedRelationshipProperties()) {
            relProps.computeIfAbsent(e.entity().getId(), k -> new Props()).put(e.key(), null);
            relOf.putIfAbsent(e.entity().getId(), e.entity());
        }
        for (Relationship r : data.createdRelationships()) {
            if (deletedRels.contains(r.getId())) {
                continue;
            }
            Props props = relProps.getOrDefault(r.getId(), new Props());
            out.add(new Change(Change.Op.CREATE_REL, r.getId(), r.getStartNode().getId(), r.getEndNode().getId(),
                    new String[] {r.getType().name()}, props.keys(), props.values()));
        }
        relProps.forEach((id, props) -> {
            if (!createdRels.contains(id) && !deletedRels.contains(id)) {
                Relationship r = relOf.get(id);
                out.add(new Change(Change.Op.SET_REL_PROPS, id, r.getStartNode().getId(), r.getEndNode().getId(),
                        Change.NONE, props.keys(), props.values()));
            }
        });
        return out;
    }

    /** Property changes of one entity in first-seen order; null means removed. */
    private static final class Props {
        private final LinkedHashMap<String, Object> map = new LinkedHashMap<>();

        void put(String key, Object value) {
            map.put(key, value);
        }

        String[] keys() {
            return map.keySet().toArray(Change.NONE);
        }

        Object[] values() {
            return map.values().toArray();
        }
    }

}
