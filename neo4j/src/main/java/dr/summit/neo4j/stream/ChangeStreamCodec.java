package dr.summit.neo4j.stream;

import org.neo4j.driver.Values;
import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Point;

import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of a {@link GraphChange} stream (docs/architecture.md, "Neo4j"): a magic line,
 * then per record a mark byte and the record, and finally a 0 byte, so a truncated stream is
 * detected. Mark 1: every field at fixed width (what the agent writes); mark 2: an export record
 * as the plugin writes it (a create with varint id, ends, counts and name lengths, no tx, time or
 * removed keys), which makes an export stream much smaller.
 * Values carry a tag byte; strings are length-prefixed UTF-8 (no 64 KiB limit).
 */
public final class ChangeStreamCodec {
    // Version 2 adds the compact export record (mark 2); a version 1 stream (mark 1 records only)
    // is still read. An agent of version 1 refuses a version 2 stream by its header.
    private static final byte[] MAGIC = "SUMMIT-DR NEO4J CHANGES 2\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC_V1 = "SUMMIT-DR NEO4J CHANGES 1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int FULL_RECORD = 1, COMPACT_RECORD = 2;
    private static final int NULL = 0, STRING = 1, BOOLEAN = 2, LONG = 3, DOUBLE = 4, BYTES = 5, LIST = 6, DATE = 7,
            LOCAL_TIME = 8, TIME = 9, LOCAL_DATETIME = 10, DATETIME = 11, DURATION = 12, POINT = 13;

    private ChangeStreamCodec() {
    }

    /** Writes records one by one; {@link #close()} writes the end mark (and closes the stream). */
    public static final class Writer implements AutoCloseable {
        private final DataOutputStream out;
        private long records;

        public Writer(OutputStream raw) throws IOException {
            this.out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16));
            out.write(MAGIC);
        }

        public void write(GraphChange c) throws IOException {
            out.writeByte(1);
            out.writeByte(c.op().ordinal());
            out.writeLong(c.txId());
            out.writeLong(c.commitTime());
            out.writeLong(c.id());
            out.writeLong(c.start());
            out.writeLong(c.end());
            out.writeInt(c.names().size());
            for (String n : c.names()) {
                writeString(out, n);
            }
            out.writeInt(c.props().size());
            for (Map.Entry<String, Object> e : c.props().entrySet()) {
                writeString(out, e.getKey());
                writeValue(out, e.getValue());
            }
            out.writeInt(c.removed().size());
            for (String k : c.removed()) {
                writeString(out, k);
            }
            records++;
        }

        /**
         * Appends records already in this format ({@code count} of them, as the plugin's export
         * procedure encodes them), so the agent does not decode and re-encode every entity.
         */
        public void writeEncoded(byte[] records, long count) throws IOException {
            out.write(records);
            this.records += count;
        }

        public long records() {
            return records;
        }

        @Override
        public void close() throws IOException {
            out.writeByte(0);
            out.close();
        }
    }

    /** Reads records one by one; {@link #next()} is null after the end mark. */
    public static final class Reader implements AutoCloseable {
        private final DataInputStream in;
        private final String what;

        public Reader(InputStream raw, String what) throws IOException {
            this.in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
            this.what = what;
            byte[] magic = new byte[MAGIC.length];
            try {
                in.readFully(magic);
            } catch (EOFException e) {
                throw new IOException(what + ": not a summit-dr Neo4j change stream (too short)");
            }
            if (!Arrays.equals(magic, MAGIC) && !Arrays.equals(magic, MAGIC_V1)) {
                throw new IOException(what + ": not a summit-dr Neo4j change stream (bad header)");
            }
        }

        public GraphChange next() throws IOException {
            try {
                int mark = in.readUnsignedByte();
                if (mark == 0) {
                    return null;
                }
                if (mark == COMPACT_RECORD) {
                    return compact();
                }
                if (mark != FULL_RECORD) {
                    throw new IOException(what + ": damaged change stream (record mark " + mark + ")");
                }
                GraphChange.Op op = GraphChange.Op.values()[in.readUnsignedByte()];
                long tx = in.readLong(), time = in.readLong(), id = in.readLong(), start = in.readLong(), end = in.readLong();
                int n = in.readInt();
                List<String> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    names.add(readString(in));
                }
                int p = in.readInt();
                Map<String, Object> props = new LinkedHashMap<>();
                for (int i = 0; i < p; i++) {
                    props.put(readString(in), readValue(in));
                }
                int r = in.readInt();
                List<String> removed = new ArrayList<>(r);
                for (int i = 0; i < r; i++) {
                    removed.add(readString(in));
                }
                return new GraphChange(op, tx, time, id, start, end, names, props, removed);
            } catch (EOFException e) {
                throw new IOException(what + ": change stream ends before its end mark (truncated)");
            }
        }

        /** An export record as the plugin writes it (ExportEncoder): a create, no tx, no removed keys. */
        private GraphChange compact() throws IOException {
            GraphChange.Op op = GraphChange.Op.values()[in.readUnsignedByte()];
            long id = readVarLong(in);
            long start = -1, end = -1;
            if (op == GraphChange.Op.CREATE_REL) {
                start = readVarLong(in);
                end = readVarLong(in);
            } else if (op != GraphChange.Op.CREATE_NODE) {
                throw new IOException(what + ": damaged change stream (compact record of " + op + ")");
            }
            int n = (int) readVarLong(in);
            List<String> names = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(readShortString(in));
            }
            int p = (int) readVarLong(in);
            Map<String, Object> props = new LinkedHashMap<>();
            for (int i = 0; i < p; i++) {
                props.put(readShortString(in), readValue(in));
            }
            return new GraphChange(op, 0, 0, id, start, end, names, props, List.of());
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static long readVarLong(DataInputStream in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("damaged change stream (varint longer than 64 bits)");
    }

    private static String readShortString(DataInputStream in) throws IOException {
        byte[] b = new byte[(int) readVarLong(in)];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** One value in the stream's encoding (also what the graph digest hashes, see GraphHash). */
    public static void writeValue(DataOutput out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            writeString(out, s);
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
        } else if (v instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object o : list) {
                writeValue(out, o);
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
        } else if (v instanceof ZonedDateTime || v instanceof OffsetDateTime) {
            ZonedDateTime t = v instanceof OffsetDateTime o ? o.toZonedDateTime() : (ZonedDateTime) v;
            out.writeByte(DATETIME);
            out.writeLong(t.toEpochSecond());
            out.writeInt(t.getNano());
            writeString(out, t.getZone().getId());
        } else if (v instanceof IsoDuration d) {
            out.writeByte(DURATION);
            out.writeLong(d.months());
            out.writeLong(d.days());
            out.writeLong(d.seconds());
            out.writeInt(d.nanoseconds());
        } else if (v instanceof Point p) {
            out.writeByte(POINT);
            out.writeInt(p.srid());
            boolean threeD = !Double.isNaN(p.z());
            out.writeBoolean(threeD);
            out.writeDouble(p.x());
            out.writeDouble(p.y());
            if (threeD) {
                out.writeDouble(p.z());
            }
        } else {
            throw new IOException("unsupported Neo4j value type " + v.getClass().getName());
        }
    }

    static Object readValue(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        return switch (tag) {
            case NULL -> null;
            case STRING -> readString(in);
            case BOOLEAN -> in.readBoolean();
            case LONG -> in.readLong();
            case DOUBLE -> in.readDouble();
            case BYTES -> {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                yield b;
            }
            case LIST -> {
                int n = in.readInt();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(readValue(in));
                }
                yield list;
            }
            case DATE -> LocalDate.ofEpochDay(in.readLong());
            case LOCAL_TIME -> LocalTime.ofNanoOfDay(in.readLong());
            case TIME -> {
                long nanos = in.readLong();
                yield OffsetTime.of(LocalTime.ofNanoOfDay(nanos), ZoneOffset.ofTotalSeconds(in.readInt()));
            }
            case LOCAL_DATETIME -> {
                long s = in.readLong();
                yield LocalDateTime.ofEpochSecond(s, in.readInt(), ZoneOffset.UTC);
            }
            case DATETIME -> {
                long s = in.readLong();
                int nano = in.readInt();
                yield ZonedDateTime.ofInstant(Instant.ofEpochSecond(s, nano), ZoneId.of(readString(in)));
            }
            case DURATION -> Values.isoDuration(in.readLong(), in.readLong(), in.readLong(), in.readInt()).asIsoDuration();
            case POINT -> {
                int srid = in.readInt();
                boolean threeD = in.readBoolean();
                double x = in.readDouble(), y = in.readDouble();
                yield threeD ? Values.point(srid, x, y, in.readDouble()).asPoint() : Values.point(srid, x, y).asPoint();
            }
            default -> throw new IOException("unknown value tag " + tag + " in a Neo4j change stream");
        };
    }
}
