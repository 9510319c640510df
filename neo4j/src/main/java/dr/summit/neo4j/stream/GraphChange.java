package dr.summit.neo4j.stream;

import java.util.List;
import java.util.Map;

/**
 * One change as the agent stores and replays it. An export is a stream of CREATE_NODE and
 * CREATE_REL records (tx 0); a change feed is the plugin's records in transaction order. Ids are the
 * source's internal ids (reused after delete, which replay handles: a create replaces whatever
 * carried the id). Values are the driver's Java types (String, Long, Double, Boolean, byte[],
 * List, java.time types, IsoDuration, Point).
 */
public record GraphChange(Op op, long txId, long commitTime, long id, long start, long end, List<String> names,
                          Map<String, Object> props, List<String> removed) {
    public enum Op {
        DELETE_REL, DELETE_NODE, CREATE_NODE, ADD_LABELS, REMOVE_LABELS, SET_NODE_PROPS, CREATE_REL, SET_REL_PROPS
    }

    public boolean isRelationship() {
        return op == Op.DELETE_REL || op == Op.CREATE_REL || op == Op.SET_REL_PROPS;
    }
}
