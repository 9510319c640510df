package dr.summit.neo4j.plugin;

/**
 * One data change of a committed transaction, as ids and plain values (no Neo4j entity objects, so
 * it outlives the transaction). {@code names} holds labels, or the one relationship type;
 * {@code keys}/{@code values} are properties, a null value meaning "removed".
 */
public record Change(Op op, long id, long start, long end, String[] names, String[] keys, Object[] values) {
    /** Kinds, in the order the agent applies them within one transaction (see ChangeCapture). */
    public enum Op {
        DELETE_REL, DELETE_NODE, CREATE_NODE, ADD_LABELS, REMOVE_LABELS, SET_NODE_PROPS, CREATE_REL, SET_REL_PROPS;

        static final Op[] ALL = values();
    }

    static final String[] NONE = new String[0];
    static final Object[] NO_VALUES = new Object[0];
}
