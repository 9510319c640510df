package dr.summit.neo4j.offline;

import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Point;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * One property value as a typed field of a neo4j-admin import CSV file (pure code). Values come as
 * the stream decodes them (the driver's types). A value the importer cannot carry exactly is
 * refused ({@link #field} returns null) and goes to the restore's fix-up property instead: empty
 * arrays and arrays of one empty string (an empty field is "no property"), array strings holding
 * the array delimiter, strings with a carriage return or NUL (line handling), temporal values
 * outside years 0000–9999 (ISO text with a sign), and durations with a negative month or day part.
 * Strings with a newline are carried, but the import then needs {@code --multiline-fields=true}.
 */
public final class ImportValues {
    /** Between array elements and between labels: U+001F (unit separator) is not text people write. */
    public static final char ARRAY_DELIMITER = '\u001F';

    /** {@code type}: the header's type ("long", "string[]", …); {@code text}: the field as written; {@code multiline}: it holds a newline. */
    public record Field(String type, String text, boolean multiline) {
    }

    private ImportValues() {
    }

    /** The field for {@code value}, or null when the importer cannot carry it exactly. */
    public static Field field(Object value) {
        if (value instanceof List<?> list) {
            return array(list);
        }
        if (value instanceof byte[] bytes) {
            if (bytes.length == 0) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < bytes.length; i++) {
                b.append(i == 0 ? "" : String.valueOf(ARRAY_DELIMITER)).append(bytes[i]);
            }
            return new Field("byte[]", b.toString(), false);
        }
        String type = scalarType(value);
        String text = type == null ? null : scalarText(value);
        if (text == null) {
            return null;
        }
        boolean quoted = needsQuotes(value);
        return new Field(type, quoted ? quote(text) : text, text.indexOf('\n') >= 0);
    }

    private static Field array(List<?> list) {
        if (list.isEmpty()) {
            return null;
        }
        String type = scalarType(list.get(0));
        if (type == null) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            Object o = list.get(i);
            if (o == null || !o.getClass().equals(list.get(0).getClass())) {
                return null;
            }
            String text = scalarText(o);
            if (text == null || text.indexOf(ARRAY_DELIMITER) >= 0) {
                return null;
            }
            if (i > 0) {
                b.append(ARRAY_DELIMITER);
            }
            b.append(text);
        }
        if (b.length() == 0) {
            return null;   // [""] would read back as "no property"
        }
        String text = b.toString();
        return new Field(type + "[]", quote(text), text.indexOf('\n') >= 0);
    }

    private static String scalarType(Object v) {
        if (v instanceof String) {
            return "string";
        } else if (v instanceof Boolean) {
            return "boolean";
        } else if (v instanceof Long) {
            return "long";
        } else if (v instanceof Double) {
            return "double";
        } else if (v instanceof LocalDate) {
            return "date";
        } else if (v instanceof LocalTime) {
            return "localtime";
        } else if (v instanceof OffsetTime) {
            return "time";
        } else if (v instanceof LocalDateTime) {
            return "localdatetime";
        } else if (v instanceof ZonedDateTime) {
            return "datetime";
        } else if (v instanceof IsoDuration) {
            return "duration";
        } else if (v instanceof Point) {
            return "point";
        }
        return null;
    }

    /** The value's text (unquoted), or null when it would not read back as the same value. */
    private static String scalarText(Object v) {
        if (v instanceof String s) {
            return s.indexOf('\r') >= 0 || s.indexOf('\0') >= 0 ? null : s;
        } else if (v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v.toString();   // Double.toString is the shortest text that parses back to the same double
        } else if (v instanceof LocalDate d) {
            return plainYear(d.getYear()) ? DateTimeFormatter.ISO_LOCAL_DATE.format(d) : null;
        } else if (v instanceof LocalTime t) {
            return DateTimeFormatter.ISO_LOCAL_TIME.format(t);
        } else if (v instanceof OffsetTime t) {
            return DateTimeFormatter.ISO_OFFSET_TIME.format(t);
        } else if (v instanceof LocalDateTime t) {
            return plainYear(t.getYear()) ? DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t) : null;
        } else if (v instanceof ZonedDateTime t) {
            // Offset, then "[Region/City]" unless the zone is an offset: the zone id survives.
            return plainYear(t.getYear()) ? DateTimeFormatter.ISO_ZONED_DATE_TIME.format(t) : null;
        } else if (v instanceof IsoDuration d) {
            if (d.months() < 0 || d.days() < 0) {
                return null;
            }
            BigDecimal seconds = BigDecimal.valueOf(d.seconds()).add(BigDecimal.valueOf(d.nanoseconds(), 9));
            return "P" + d.months() + "M" + d.days() + "DT" + seconds.stripTrailingZeros().toPlainString() + "S";
        } else if (v instanceof Point p) {
            return "{srid:" + p.srid() + ", x:" + p.x() + ", y:" + p.y() + (Double.isNaN(p.z()) ? "" : ", z:" + p.z()) + "}";
        }
        return null;
    }

    private static boolean plainYear(int year) {
        return year >= 0 && year <= 9999;
    }

    private static boolean needsQuotes(Object v) {
        return !(v instanceof Boolean || v instanceof Long || v instanceof Double);
    }

    /** A CSV field in quotes, quotes inside doubled (neo4j-admin's default, not legacy, quoting). */
    public static String quote(String text) {
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    /**
     * Whether a property key can be a header column: the header is "key:type" between commas, so
     * keys with a colon, comma, quote, whitespace, control character or the array delimiter go to
     * the fix-up property instead.
     */
    public static boolean plainKey(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == ':' || c == ',' || c == '"' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }
}
