package dr.summit.neo4j.plugin;

import org.neo4j.graphdb.spatial.Point;
import org.neo4j.values.storable.CoordinateReferenceSystem;
import org.neo4j.values.storable.DurationValue;
import org.neo4j.values.storable.Values;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.reflect.Array;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAmount;

/**
 * Property values in the change log: one tag byte, then the value. Covers every type a Neo4j 5
 * property can hold (scalars, strings, temporal, duration, spatial, and arrays of each), so a value
 * decodes to the same Java type the embedded API returned. The format is private to the plugin:
 * only the procedures read it back.
 */
final class ValueCodec {
    private static final int NULL = 0, STRING = 1, BOOLEAN = 2, BYTE = 3, SHORT = 4, INT = 5, LONG = 6, FLOAT = 7,
            DOUBLE = 8, CHAR = 9, DATE = 10, LOCAL_TIME = 11, TIME = 12, LOCAL_DATETIME = 13, DATETIME = 14,
            DURATION = 15, POINT = 16, ARRAY = 64;

    private ValueCodec() {
    }

    static void write(DataOutput out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v.getClass().isArray()) {
            Class<?> component = v.getClass().getComponentType();
            int tag = tagOf(component);
            out.writeByte(ARRAY | tag);
            int n = Array.getLength(v);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                writeBody(out, tag, Array.get(v, i));
            }
        } else {
            int tag = tagOf(v.getClass());
            out.writeByte(tag);
            writeBody(out, tag, v);
        }
    }

    private static int tagOf(Class<?> c) {
        if (c == String.class) return STRING;
        if (c == Boolean.class || c == boolean.class) return BOOLEAN;
        if (c == Byte.class || c == byte.class) return BYTE;
        if (c == Short.class || c == short.class) return SHORT;
        if (c == Integer.class || c == int.class) return INT;
        if (c == Long.class || c == long.class) return LONG;
        if (c == Float.class || c == float.class) return FLOAT;
        if (c == Double.class || c == double.class) return DOUBLE;
        if (c == Character.class || c == char.class) return CHAR;
        if (c == LocalDate.class) return DATE;
        if (c == LocalTime.class) return LOCAL_TIME;
        if (c == OffsetTime.class) return TIME;
        if (c == LocalDateTime.class) return LOCAL_DATETIME;
        if (c == ZonedDateTime.class) return DATETIME;
        if (TemporalAmount.class.isAssignableFrom(c)) return DURATION;
        if (Point.class.isAssignableFrom(c)) return POINT;
        throw new IllegalArgumentException("summit-dr capture: unsupported property type " + c.getName());
    }

    private static void writeBody(DataOutput out, int tag, Object v) throws IOException {
        switch (tag) {
            case STRING -> {
                byte[] b = ((String) v).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
            }
            case BOOLEAN -> out.writeBoolean((Boolean) v);
            case BYTE -> out.writeByte((Byte) v);
            case SHORT -> out.writeShort((Short) v);
            case INT -> out.writeInt((Integer) v);
            case LONG -> out.writeLong((Long) v);
            case FLOAT -> out.writeFloat((Float) v);
            case DOUBLE -> out.writeDouble((Double) v);
            case CHAR -> out.writeChar((Character) v);
            case DATE -> out.writeLong(((LocalDate) v).toEpochDay());
            case LOCAL_TIME -> out.writeLong(((LocalTime) v).toNanoOfDay());
            case TIME -> {
                OffsetTime t = (OffsetTime) v;
                out.writeLong(t.toLocalTime().toNanoOfDay());
                out.writeInt(t.getOffset().getTotalSeconds());
            }
            case LOCAL_DATETIME -> {
                LocalDateTime t = (LocalDateTime) v;
                out.writeLong(t.toEpochSecond(ZoneOffset.UTC));
                out.writeInt(t.getNano());
            }
            case DATETIME -> {
                ZonedDateTime t = (ZonedDateTime) v;
                out.writeLong(t.toEpochSecond());
                out.writeInt(t.getNano());
                out.writeUTF(t.getZone().getId());
            }
            case DURATION -> {
                TemporalAmount d = (TemporalAmount) v;
                out.writeLong(d.get(ChronoUnit.MONTHS));
                out.writeLong(d.get(ChronoUnit.DAYS));
                out.writeLong(d.get(ChronoUnit.SECONDS));
                out.writeLong(d.get(ChronoUnit.NANOS));
            }
            case POINT -> {
                Point p = (Point) v;
                out.writeInt(p.getCRS().getCode());
                double[] c = p.getCoordinate().getCoordinate();
                out.writeByte(c.length);
                for (double x : c) {
                    out.writeDouble(x);
                }
            }
            default -> throw new IllegalStateException("tag " + tag);
        }
    }

    static Object read(DataInput in) throws IOException {
        int tag = in.readUnsignedByte();
        if (tag == NULL) {
            return null;
        }
        if ((tag & ARRAY) != 0) {
            int element = tag & ~ARRAY;
            int n = in.readInt();
            Object array = Array.newInstance(componentOf(element), n);
            for (int i = 0; i < n; i++) {
                Array.set(array, i, readBody(in, element));
            }
            return array;
        }
        return readBody(in, tag);
    }

    private static Class<?> componentOf(int tag) {
        return switch (tag) {
            case STRING -> String.class;
            case BOOLEAN -> boolean.class;
            case BYTE -> byte.class;
            case SHORT -> short.class;
            case INT -> int.class;
            case LONG -> long.class;
            case FLOAT -> float.class;
            case DOUBLE -> double.class;
            case CHAR -> char.class;
            case DATE -> LocalDate.class;
            case LOCAL_TIME -> LocalTime.class;
            case TIME -> OffsetTime.class;
            case LOCAL_DATETIME -> LocalDateTime.class;
            case DATETIME -> ZonedDateTime.class;
            case DURATION -> DurationValue.class;
            case POINT -> Point.class;
            default -> throw new IllegalStateException("unknown value tag " + tag);
        };
    }

    private static Object readBody(DataInput in, int tag) throws IOException {
        return switch (tag) {
            case STRING -> {
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                yield new String(b, java.nio.charset.StandardCharsets.UTF_8);
            }
            case BOOLEAN -> in.readBoolean();
            case BYTE -> in.readByte();
            case SHORT -> in.readShort();
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case FLOAT -> in.readFloat();
            case DOUBLE -> in.readDouble();
            case CHAR -> in.readChar();
            case DATE -> LocalDate.ofEpochDay(in.readLong());
            case LOCAL_TIME -> LocalTime.ofNanoOfDay(in.readLong());
            case TIME -> {
                long nanos = in.readLong();
                yield OffsetTime.of(LocalTime.ofNanoOfDay(nanos), ZoneOffset.ofTotalSeconds(in.readInt()));
            }
            case LOCAL_DATETIME -> {
                long seconds = in.readLong();
                yield LocalDateTime.ofEpochSecond(seconds, in.readInt(), ZoneOffset.UTC);
            }
            case DATETIME -> {
                long seconds = in.readLong();
                int nano = in.readInt();
                yield ZonedDateTime.ofInstant(Instant.ofEpochSecond(seconds, nano), ZoneId.of(in.readUTF()));
            }
            case DURATION -> DurationValue.duration(in.readLong(), in.readLong(), in.readLong(), in.readLong());
            case POINT -> {
                int code = in.readInt();
                double[] c = new double[in.readUnsignedByte()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = in.readDouble();
                }
                yield Values.pointValue(CoordinateReferenceSystem.get(code), c);
            }
            default -> throw new IllegalStateException("unknown value tag " + tag);
        };
    }
}
