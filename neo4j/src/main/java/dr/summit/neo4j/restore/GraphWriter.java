package dr.summit.neo4j.restore;

import dr.summit.neo4j.source.Neo4jConnection;
import dr.summit.neo4j.stream.GraphChange;
import org.neo4j.driver.Session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies changes to the target over Bolt in batched UNWIND transactions. Nodes are found again by
 * their source id, kept during the restore as property {@code __summit_id_<random>} under the
 * temporary label {@code __SummitRestore_<random>} (indexed); {@link #finish()} removes both.
 *
 * <p>Two modes. Export mode: every record is a create of a distinct entity, so creates are batched
 * per label set (or type) regardless of order, nodes before relationships. Replay mode: order is
 * kept (consecutive changes of the same kind share a batch), and a create first removes whatever
 * still carries that id: an id created inside the replay window has all its history in the window,
 * and the fuzzy export may hold a later incarnation (ids are reused after delete).
 */
public final class GraphWriter {
    // Unique per restore: a source that was itself restored by summit-dr while its changes were
    // captured carries the earlier restore's label and key in its feed; a fixed name would collide.
    private final String tag;
    private final String label;
    private final String key;
    private final String index;
    private static final int BATCH = 5_000;

    private final Neo4jConnection conn;
    private final Map<String, List<Map<String, Object>>> exportBatches = new LinkedHashMap<>();
    private boolean exportRelationships;
    private String replayKey;
    private GraphChange.Op replayOp;
    private List<String> replayNames;
    private final List<Map<String, Object>> replayRows = new ArrayList<>();
    private long applied;

    public GraphWriter(Neo4jConnection conn) {
        this(conn, newTag());
    }

    /** A writer over entities that already carry {@code tag}'s label and key (the offline import wrote them). */
    public GraphWriter(Neo4jConnection conn, String tag) {
        if (!tag.matches("[0-9a-f]{1,40}")) {
            throw new IllegalArgumentException("restore tag '" + tag + "' is not 1 to 40 lowercase hex digits");
        }
        this.conn = conn;
        this.tag = tag;
        this.label = labelOf(tag);
        this.key = keyOf(tag);
        this.index = "summit_dr_restore_" + tag;
    }

    public static String newTag() {
        return Long.toHexString(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);
    }

    /** The temporary label every restored node carries while the restore runs. */
    public static String labelOf(String tag) {
        return "__SummitRestore_" + tag;
    }

    /** The temporary property holding an entity's source id while the restore runs. */
    public static String keyOf(String tag) {
        return "__summit_id_" + tag;
    }

    /** The temporary property holding what neo4j-admin import could not carry (the offline import's fix-ups). */
    public static String fixKeyOf(String tag) {
        return "__summit_fix_" + tag;
    }

    public String tag() {
        return tag;
    }

    public String label() {
        return label;
    }

    public String key() {
        return key;
    }

    /** The lookup index on the source ids, made by {@link #prepare()}, dropped by {@link #finish()}. */
    public String index() {
        return index;
    }

    /** Creates the lookup index for source ids and waits for it. */
    public void prepare() {
        conn.read(s -> {
            s.run("CREATE index " + index + " IF NOT EXISTS FOR (n:" + label + ") ON (n." + key + ")").consume();
            s.run("CALL db.awaitIndexes(300)").consume();
            return null;
        });
    }

    public long applied() {
        return applied;
    }

    // ---- export mode ----

    public void exportRecord(GraphChange c) {
        if (c.op() == GraphChange.Op.CREATE_REL && !exportRelationships) {
            flushExport();
            exportRelationships = true;
        }
        String key = c.op().name() + ":" + c.names();
        List<Map<String, Object>> batch = exportBatches.computeIfAbsent(key, k -> new ArrayList<>());
        batch.add(row(c));
        if (batch.size() >= BATCH) {
            write(c.op(), c.names(), batch, false);
            exportBatches.remove(key);
        }
    }

    public void flushExport() {
        for (var e : exportBatches.entrySet()) {
            String[] parts = e.getKey().split(":", 2);
            List<Map<String, Object>> rows = e.getValue();
            GraphChange.Op op = GraphChange.Op.valueOf(parts[0]);
            List<String> names = names(rows);
            write(op, names, rows, false);
        }
        exportBatches.clear();
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(List<Map<String, Object>> rows) {
        return (List<String>) rows.get(0).get("names");
    }

    // ---- replay mode ----

    public void replay(GraphChange c) {
        String key = c.op() + ":" + (c.op() == GraphChange.Op.SET_NODE_PROPS || c.op() == GraphChange.Op.SET_REL_PROPS
                || c.op() == GraphChange.Op.DELETE_NODE || c.op() == GraphChange.Op.DELETE_REL ? "" : String.valueOf(c.names()));
        if (!key.equals(replayKey) || replayRows.size() >= BATCH) {
            flushReplay();
            replayKey = key;
            replayOp = c.op();
            replayNames = c.names();
        }
        replayRows.add(row(c));
    }

    public void flushReplay() {
        if (!replayRows.isEmpty()) {
            write(replayOp, replayNames, new ArrayList<>(replayRows), true);
            replayRows.clear();
        }
        replayKey = null;
    }

    private static Map<String, Object> row(GraphChange c) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", c.id());
        r.put("s", c.start());
        r.put("e", c.end());
        r.put("names", c.names());
        Map<String, Object> props = new HashMap<>(c.props());
        for (String k : c.removed()) {
            props.put(k, null);   // "+= {k: null}" removes k
        }
        r.put("props", props);
        return r;
    }

    private void write(GraphChange.Op op, List<String> names, List<Map<String, Object>> rows, boolean replay) {
        String labels = labels(names);
        String node = "(n:" + label + " {" + key + ": r.id})";
        String relOfStart = "(:" + label + " {" + key + ": r.s})-[x]->() WHERE x." + key + " = r.id";
        List<String> queries = new ArrayList<>();
        switch (op) {
            case CREATE_NODE -> {
                if (replay) {
                    queries.add("UNWIND $rows AS r MATCH " + node + " DETACH DELETE n");
                }
                queries.add("UNWIND $rows AS r CREATE (n:" + label + labels + " {" + key + ": r.id}) SET n += r.props");
            }
            case DELETE_NODE -> queries.add("UNWIND $rows AS r MATCH " + node + " DETACH DELETE n");
            case ADD_LABELS -> queries.add("UNWIND $rows AS r MATCH " + node + " SET n" + labels);
            case REMOVE_LABELS -> queries.add("UNWIND $rows AS r MATCH " + node + " REMOVE n" + labels);
            case SET_NODE_PROPS -> queries.add("UNWIND $rows AS r MATCH " + node + " SET n += r.props");
            case CREATE_REL -> {
                if (replay) {
                    queries.add("UNWIND $rows AS r MATCH " + relOfStart + " DELETE x");
                }
                queries.add("UNWIND $rows AS r MATCH (a:" + label + " {" + key + ": r.s}) MATCH (b:" + label + " {" + key + ": r.e}) "
                        + "CREATE (a)-[x:" + quote(names.get(0)) + "]->(b) SET x += r.props, x." + key + " = r.id");
            }
            case DELETE_REL -> queries.add("UNWIND $rows AS r MATCH " + relOfStart + " DELETE x");
            case SET_REL_PROPS -> queries.add("UNWIND $rows AS r MATCH " + relOfStart + " SET x += r.props");
            default -> throw new IllegalStateException(op.name());
        }
        try (Session session = conn.session()) {
            session.executeWrite(tx -> {
                for (String q : queries) {
                    tx.run(q, Map.of("rows", rows)).consume();
                }
                return null;
            });
        } catch (RuntimeException e) {
            throw conn.failure("writing " + op.name().toLowerCase() + " records", e);
        }
        applied += rows.size();
    }

    private static String labels(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append(':').append(quote(n));
        }
        return b.toString();
    }

    static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /** Removes the temporary label, ids and index. */
    public void finish() {
        conn.read(s -> {
            s.run("MATCH (n:" + label + ") CALL { WITH n REMOVE n:" + label + " REMOVE n." + key + " } IN TRANSACTIONS OF 10000 ROWS").consume();
            s.run("MATCH ()-[x]->() WHERE x." + key + " IS NOT NULL CALL { WITH x REMOVE x." + key + " } IN TRANSACTIONS OF 10000 ROWS").consume();
            s.run("DROP index " + index + " IF EXISTS").consume();
            return null;
        });
    }
}
