package dr.summit.repository.blob;

import dr.summit.repository.CorruptObjectException;

import java.util.Locale;

/** Per-blob compression; the algorithm is recorded in each payload, so blobs of all kinds mix freely. */
public enum Compression {
    NONE(0), ZSTD(1), LZ4(2);

    private final int code;

    Compression(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Compression ofCode(int code, String where) {
        for (Compression c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new CorruptObjectException(where + ": unknown compression " + code);
    }

    public static Compression parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown compression '" + name + "' (zstd, lz4 or none)");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
