package dr.summit.neo4j.plugin;

import org.neo4j.graphdb.spatial.Point;

import java.io.DataOutput;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAmount;

/**
 * Writes embedded-API entities in the agent's stored change-stream format (the agent's
 * ChangeStreamCodec, docs/architecture.md "Storage"): one compact record per entity, values as
 * the agent's tags. The values are written as the Bolt driver would have delivered them (ints, shorts
 * and bytes widen to a long, floats to a double, a char is a one-letter string, arrays other than
 * byte[] are lists), so a record decodes to what the agent's Cypher path read from the same entity
 * and each value is byte for byte what the agent's codec writes for it (the agent's
 * Neo4jBackupTest.thePluginsExportEncodesEveryPropertyTypeAsTheAgentsCodec proves it for every
 * property type). This module cannot use the agent's codec (it depends on nothing of the agent's).
 */
public final class ExportEncoder {
    // The agent's tags (ChangeStreamCodec): not the capture log's (ValueCodec), which keeps Java types.
    static final int NULL = 0, STRING = 1, BOOLEAN = 2, LONG = 3, DOUBLE = 4, BYTES = 5, LIST = 6, DATE = 7,
            LOCAL_TIME = 8, TIME = 9, LOCAL_DATETIME = 10, DATETIME = 11, DURATION = 12, POINT = 13;
    /** The record mark of a compact export record (ChangeStreamCodec, stream version 2). */
    static final int COMPACT = 2;
    /** Op ordinals of the agent's GraphChange.Op (the same order as {@link Change.Op}). */
    static final int CREATE_NODE = Change.Op.CREATE_NODE.ordinal(), CREATE_REL = Change.Op.CREATE_REL.ordinal();

    private ExportEncoder() {
    }

    /**
     * One export record of a node in the compact form (mark 2: no tx, commit time or removed keys,
     * which an export record never has; varint id, counts and name lengths).
     */
    public static void writeNode(DataOutput out, long id, String[] labels, String[] keys, Object[] values) throws IOException {
        writeNodeHead(out, id, labels, null);
        writeProps(out, keys, values, null);
    }

    /** The same, with the names' bytes from {@code names} (the export: the same bytes, made once). */
    static void writeNode(DataOutput out, long id, String[] labels, String[] keys, Object[] values, Names names) throws IOException {
        writeNodeHead(out, id, labels, names);
        writeProps(out, keys, values, names);
    }

    /**
     * The same into a {@link ByteSink}, noting where each value's bytes are: value i is
     * {@code [bounds[2i], bounds[2i + 1])} of the sink's array, which the digest then copies
     * instead of encoding the value a second time.
     */
    static void writeNode(ByteSink out, long id, String[] labels, String[] keys, Object[] values, int[] bounds, Names names)
            throws IOException {
        writeNodeHead(out, id, labels, names);
        writeProps(out, keys, values, bounds, names);
    }

    private static void writeNodeHead(DataOutput out, long id, String[] labels, Names names) throws IOException {
        out.writeByte(COMPACT);
        out.writeByte(CREATE_NODE);
        writeVarLong(out, id);
        writeVarLong(out, labels.length);
        for (String l : labels) {
            writeName(out, l, names);
        }
    }

    /** One export record of a relationship (compact: its id, then its ends' ids). */
    public static void writeRelationship(DataOutput out, long id, long start, long end, String type, String[] keys, Object[] values)
            throws IOException {
        writeRelationshipHead(out, id, start, end, type, null);
        writeProps(out, keys, values, null);
    }

    /** The same, with the names' bytes from {@code names}. */
    static void writeRelationship(DataOutput out, long id, long start, long end, String type, String[] keys, Object[] values, Names names)
            throws IOException {
        writeRelationshipHead(out, id, start, end, type, names);
        writeProps(out, keys, values, names);
    }

    /** The same into a {@link ByteSink}, noting where each value's bytes are (as writeNode). */
    static void writeRelationship(ByteSink out, long id, long start, long end, String type, String[] keys, Object[] values, int[] bounds,
                                  Names names) throws IOException {
        writeRelationshipHead(out, id, start, end, type, names);
        writeProps(out, keys, values, bounds, names);
    }

    private static void writeRelationshipHead(DataOutput out, long id, long start, long end, String type, Names names) throws IOException {
        out.writeByte(COMPACT);
        out.writeByte(CREATE_REL);
        writeVarLong(out, id);
        writeVarLong(out, start);
        writeVarLong(out, end);
        writeVarLong(out, 1);   // one name: the type
        writeName(out, type, names);
    }

    private static void writeProps(DataOutput out, String[] keys, Object[] values, Names names) throws IOException {
        writeVarLong(out, keys.length);
        for (int i = 0; i < keys.length; i++) {
            writeName(out, keys[i], names);
            writeValue(out, values[i]);
        }
    }

    private static void writeProps(ByteSink out, String[] keys, Object[] values, int[] bounds, Names names) throws IOException {
        writeVarLong(out, keys.length);
        for (int i = 0; i < keys.length; i++) {
            writeName(out, keys[i], names);
            bounds[2 * i] = out.size();
            writeValue(out, values[i]);
            bounds[2 * i + 1] = out.size();
        }
    }

    /** Unsigned LEB128 (ids and counts are never negative). */
    static void writeVarLong(DataOutput out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    /** A name (label, type, key) with a varint length; from {@code names} when given. */
    private static void writeName(DataOutput out, String s, Names names) throws IOException {
        if (names != null) {
            out.write(names.bytes(s));
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarLong(out, b.length);
        out.write(b);
    }

    /**
     * The record bytes of names (varint length, UTF-8), made once per name: labels, types and keys
     * are a small vocabulary repeated on every entity, which the export otherwise encoded and
     * allocated a few times per entity (millions of {@code getBytes}). One per export thread (not
     * thread-safe). Bounded, for a graph with very many keys: past the bound a name is encoded
     * each time.
     */
    static final class Names {
        private static final int BOUND = 4096;
        private final java.util.HashMap<String, byte[]> bytes = new java.util.HashMap<>();
        private final ByteSink scratch = new ByteSink(64);

        byte[] bytes(String name) {
            byte[] b = bytes.get(name);
            if (b == null) {
                byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                scratch.reset();
                try {
                    writeVarLong(scratch, utf8.length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                scratch.write(utf8, 0, utf8.length);
                b = scratch.toByteArray();
                if (bytes.size() < BOUND) {
                    bytes.put(name, b);
                }
            }
            return b;
        }
    }

    public static void writeString(DataOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** A property value as the agent stores the driver's value for it. */
    public static void writeValue(DataOutput out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeString(out, s);
        } else if (v instanceof Character c) {
            out.writeByte(STRING);
            writeString(out, c.toString());
        } else if (v instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            out.writeByte(LONG);
            out.writeLong(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            out.writeByte(DOUBLE);
            out.writeDouble(((Number) v).doubleValue());
        } else if (v instanceof byte[] b) {
            out.writeByte(BYTES);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof Object[] a) {
            // String[], temporal and point arrays: no reflective Array.get (a native call and a
            // box per element; the benchmark's nodes each hold a list)
            out.writeByte(LIST);
            out.writeInt(a.length);
            for (Object e : a) {
                writeValue(out, e);
            }
        } else if (v instanceof long[] a) {
            out.writeByte(LIST);
            out.writeInt(a.length);
            for (long e : a) {
                out.writeByte(LONG);
                out.writeLong(e);
            }
        } else if (v instanceof double[] a) {
            out.writeByte(LIST);
            out.writeInt(a.length);
            for (double e : a) {
                out.writeByte(DOUBLE);
                out.writeDouble(e);
            }
        } else if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            out.writeByte(LIST);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                writeValue(out, Array.get(v, i));
            }
        } else if (v instanceof LocalDate d) {
            out.writeByte(DATE);
            out.writeLong(d.toEpochDay());
        } else if (v instanceof LocalTime t) {
            out.writeByte(LOCAL_TIME);
            out.writeLong(t.toNanoOfDay());
        } else if (v instanceof OffsetTime t) {
            out.writeByte(TIME);
            out.writeLong(t.toLocalTime().toNanoOfDay());
            out.writeInt(t.getOffset().getTotalSeconds());
        } else if (v instanceof LocalDateTime t) {
            out.writeByte(LOCAL_DATETIME);
            out.writeLong(t.toEpochSecond(ZoneOffset.UTC));
            out.writeInt(t.getNano());
        } else if (v instanceof ZonedDateTime t) {
            out.writeByte(DATETIME);
            out.writeLong(t.toEpochSecond());
            out.writeInt(t.getNano());
            writeString(out, t.getZone().getId());
        } else if (v instanceof TemporalAmount d) {
            out.writeByte(DURATION);
            out.writeLong(d.get(ChronoUnit.MONTHS));
            out.writeLong(d.get(ChronoUnit.DAYS));
            out.writeLong(d.get(ChronoUnit.SECONDS));
            out.writeInt((int) d.get(ChronoUnit.NANOS));
        } else if (v instanceof Point p) {
            double[] c = p.getCoordinate().getCoordinate();
            out.writeByte(POINT);
            out.writeInt(p.getCRS().getCode());
            out.writeBoolean(c.length == 3);
            out.writeDouble(c[0]);
            out.writeDouble(c[1]);
            if (c.length == 3) {
                out.writeDouble(c[2]);
            }
        } else {
            throw new IOException("summit-dr export: unsupported property type " + v.getClass().getName());
        }
    }
}
