package dr.summit.repository.format;

import dr.summit.repository.CorruptObjectException;

/**
 * Reads big-endian fields with bounds checks. Every overrun becomes a
 * {@link CorruptObjectException} naming the object, never an ArrayIndexOutOfBoundsException.
 */
public final class ByteReader {
    private final byte[] buf;
    private final int end;
    private final String what;
    private int pos;

    public ByteReader(byte[] buf, String what) {
        this(buf, 0, buf.length, what);
    }

    public ByteReader(byte[] buf, int offset, int length, String what) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
        this.what = what;
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public int u16() {
        need(2);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public int i32() {
        need(4);
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long u32() {
        return i32() & 0xFFFFFFFFL;
    }

    /** A u32 that is used as a count or length and must fit an int and the remaining bytes. */
    public int count(int minBytesPerItem) {
        long v = u32();
        if (v > Integer.MAX_VALUE || v * Math.max(1, minBytesPerItem) > remaining()) {
            throw corrupt("count " + v + " exceeds the remaining " + remaining() + " bytes");
        }
        return (int) v;
    }

    public long i64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public byte[] bytes(int n) {
        if (n < 0) {
            throw corrupt("negative length " + n);
        }
        need(n);
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public byte[] shortBytes() {
        return bytes(u16());
    }

    public byte[] longBytes() {
        return bytes(count(1));
    }

    public int remaining() {
        return end - pos;
    }

    public int position() {
        return pos;
    }

    public void expectEnd() {
        if (pos != end) {
            throw corrupt((end - pos) + " unexpected trailing bytes");
        }
    }

    public CorruptObjectException corrupt(String detail) {
        return new CorruptObjectException(what + ": " + detail);
    }

    private void need(int n) {
        if (end - pos < n) {
            throw corrupt("truncated (needed " + n + " more bytes at offset " + pos + ", " + (end - pos) + " left)");
        }
    }
}
