package dr.summit.neo4j.offline;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.plugin.GraphHash;
import dr.summit.neo4j.restore.GraphWriter;
import dr.summit.neo4j.stream.ChangeStreamCodec;
import dr.summit.neo4j.stream.GraphChange;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an export stream (nodes, then relationships) as neo4j-admin import CSV files: one node
 * file per label set and property signature (keys and their types), one relationship file per type
 * and signature, each with its typed header, so a key that holds a long on one node and a string on
 * another is no problem. Every node gets the restore's temporary label and source-id property (as
 * {@link GraphWriter} expects them, so the change feed can be replayed over Bolt afterwards), every
 * relationship the source-id property. Values the importer cannot carry exactly
 * ({@link ImportValues}) are kept, encoded, in a temporary fix-up property that the restore applies
 * over Bolt. Relationships to a node the export does not hold (the export is fuzzy: the node came
 * later) are left out, as the online restore leaves them out: the replayed changes create them.
 */
public final class ImportCsv implements AutoCloseable {
    private static final int MAX_OPEN = 64;

    /** What was written, for the import's command line and the report. */
    public record Written(List<Path> nodeFiles, List<Path> relationshipFiles, boolean multiline, long nodes, long relationships,
                          long skippedRelationships, long fixed) {
    }

    private final class Group {
        final Path path;
        final String header;
        Writer writer;
        boolean created;

        Group(Path path, String header) {
            this.path = path;
            this.header = header;
        }

        Writer writer() throws IOException {
            if (writer == null) {
                if (open.size() >= MAX_OPEN) {
                    var eldest = open.entrySet().iterator().next();
                    eldest.getValue().writer.close();
                    eldest.getValue().writer = null;
                    open.remove(eldest.getKey());
                }
                writer = new BufferedWriter(new java.io.OutputStreamWriter(Files.newOutputStream(path, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.WRITE), StandardCharsets.UTF_8), 1 << 16);
                if (!created) {
                    writer.write(header);
                    writer.write('\n');
                    created = true;
                }
                open.put(path, this);
            }
            return writer;
        }
    }

    private final Path dir;
    private final String label;
    private final String key;
    private final String fixKey;
    private final Map<String, Group> nodeGroups = new LinkedHashMap<>();
    private final Map<String, Group> relGroups = new LinkedHashMap<>();
    private final LinkedHashMap<Path, Group> open = new LinkedHashMap<>();
    private final GraphHash.LongLongMap nodeIds = new GraphHash.LongLongMap();
    private boolean relationshipsStarted;
    private boolean multiline;
    private long nodes;
    private long relationships;
    private long skipped;
    private long fixed;

    public ImportCsv(Path dir, String tag) {
        this.dir = dir;
        this.label = GraphWriter.labelOf(tag);
        this.key = GraphWriter.keyOf(tag);
        this.fixKey = GraphWriter.fixKeyOf(tag);
    }

    public void add(GraphChange c) throws IOException {
        switch (c.op()) {
            case CREATE_NODE -> node(c);
            case CREATE_REL -> relationship(c);
            default -> throw new Neo4jFailure("export stream holds a " + c.op() + " record (damaged export)");
        }
    }

    private void node(GraphChange c) throws IOException {
        if (relationshipsStarted) {
            throw new Neo4jFailure("export stream has a node after its relationships (damaged export)");
        }
        Row row = row(c);
        StringBuilder labels = new StringBuilder();
        for (String l : c.names()) {
            labels.append(name(l, "label")).append(ImportValues.ARRAY_DELIMITER);
        }
        labels.append(label);
        String groupKey = String.join("\0", c.names()) + "\u0001" + row.signature;
        Group g = nodeGroups.get(groupKey);
        if (g == null) {
            g = new Group(dir.resolve("nodes-" + nodeGroups.size() + ".csv"), ":ID,:LABEL," + key + ":long" + row.header);
            nodeGroups.put(groupKey, g);
        }
        Writer w = g.writer();
        w.write(Long.toString(c.id()));
        w.write(',');
        w.write(ImportValues.quote(labels.toString()));
        w.write(',');
        w.write(Long.toString(c.id()));
        w.write(row.fields);
        w.write('\n');
        nodeIds.put(c.id(), 1);
        nodes++;
    }

    private void relationship(GraphChange c) throws IOException {
        relationshipsStarted = true;
        if (nodeIds.get(c.start()) == 0 || nodeIds.get(c.end()) == 0) {
            skipped++;
            return;
        }
        Row row = row(c);
        String type = c.names().get(0);
        String groupKey = name(type, "relationship type") + "\u0001" + row.signature;
        Group g = relGroups.get(groupKey);
        if (g == null) {
            g = new Group(dir.resolve("relationships-" + relGroups.size() + ".csv"), ":START_ID,:END_ID,:TYPE," + key + ":long" + row.header);
            relGroups.put(groupKey, g);
        }
        Writer w = g.writer();
        w.write(Long.toString(c.start()));
        w.write(',');
        w.write(Long.toString(c.end()));
        w.write(',');
        w.write(ImportValues.quote(type));
        w.write(',');
        w.write(Long.toString(c.id()));
        w.write(row.fields);
        w.write('\n');
        relationships++;
    }

    /** A label or type goes into a quoted field; the array delimiter separates labels. */
    private String name(String n, String what) {
        if (n.indexOf(ImportValues.ARRAY_DELIMITER) >= 0 || n.indexOf('\r') >= 0 || n.indexOf('\0') >= 0) {
            throw new Neo4jFailure("the " + what + " '" + n.replaceAll("\\p{Cntrl}", "?") + "' holds a control character that neo4j-admin import "
                    + "cannot carry: restore this backup online (without --neo4j-home)");
        }
        multiline |= n.indexOf('\n') >= 0;
        return n;
    }

    private record Row(String signature, String header, String fields) {
    }

    /** Header suffix, signature and field text of an entity's properties (sorted by key, then the fix-up column). */
    private Row row(GraphChange c) throws IOException {
        StringBuilder signature = new StringBuilder();
        StringBuilder header = new StringBuilder();
        StringBuilder fields = new StringBuilder();
        Map<String, Object> fix = new TreeMap<>();
        for (Map.Entry<String, Object> e : new TreeMap<>(c.props()).entrySet()) {
            ImportValues.Field f = ImportValues.plainKey(e.getKey()) ? ImportValues.field(e.getValue()) : null;
            if (f == null) {
                fix.put(e.getKey(), e.getValue());
                continue;
            }
            signature.append(e.getKey()).append('\0').append(f.type()).append('\0');
            header.append(',').append(e.getKey()).append(':').append(f.type());
            fields.append(',').append(f.text());
            multiline |= f.multiline();
        }
        if (!fix.isEmpty()) {
            signature.append("\u0002fix");
            header.append(',').append(fixKey).append(":string");
            fields.append(',').append(encodeFix(c, fix));
            fixed++;
        }
        return new Row(signature.toString(), header.toString(), fields.toString());
    }

    /** The properties the importer cannot carry, as one stream record (set-properties), base64. */
    private static String encodeFix(GraphChange c, Map<String, Object> props) throws IOException {
        GraphChange.Op op = c.isRelationship() ? GraphChange.Op.SET_REL_PROPS : GraphChange.Op.SET_NODE_PROPS;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ChangeStreamCodec.Writer w = new ChangeStreamCodec.Writer(bytes)) {
            w.write(new GraphChange(op, 0, 0, c.id(), c.start(), c.end(), List.of(), props, List.of()));
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** Decodes a fix-up property's value (see {@link #encodeFix}). */
    public static GraphChange decodeFix(String value) throws IOException {
        try (ChangeStreamCodec.Reader r = new ChangeStreamCodec.Reader(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(value)), "fix-up property")) {
            return r.next();
        }
    }

    /** Closes every file; the lists name them for {@code --nodes} and {@code --relationships}. */
    public Written finish() throws IOException {
        if (nodeGroups.isEmpty()) {
            // neo4j-admin wants at least one node file: an empty graph is a header alone.
            nodeGroups.put("", new Group(dir.resolve("nodes-empty.csv"), ":ID"));
            nodeGroups.get("").writer();
        }
        close();
        List<Path> nodeFiles = new ArrayList<>();
        nodeGroups.values().forEach(g -> nodeFiles.add(g.path));
        List<Path> relFiles = new ArrayList<>();
        relGroups.values().forEach(g -> relFiles.add(g.path));
        return new Written(nodeFiles, relFiles, multiline, nodes, relationships, skipped, fixed);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Group g : open.values()) {
            try {
                g.writer.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            g.writer = null;
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
