package dr.summit.repository.format;

import java.util.Arrays;

/** Appends big-endian fields to a growable byte array. */
public final class ByteWriter {
    private byte[] buf;
    private int size;

    public ByteWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public ByteWriter u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public ByteWriter u16(int v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException("value does not fit in 16 bits: " + v);
        }
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public ByteWriter u32(long v) {
        if (v < 0 || v > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("value does not fit in 32 bits: " + v);
        }
        return i32((int) v);
    }

    public ByteWriter i32(int v) {
        ensure(4);
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public ByteWriter i64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (v >>> shift);
        }
        return this;
    }

    public ByteWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    public ByteWriter bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
        return this;
    }

    /** u16 length then the bytes. */
    public ByteWriter shortBytes(byte[] b) {
        u16(b.length);
        return bytes(b);
    }

    /** u32 length then the bytes. */
    public ByteWriter longBytes(byte[] b) {
        u32(b.length);
        return bytes(b);
    }

    public int size() {
        return size;
    }

    /** Overwrites a u32 written earlier, e.g. a count known only at the end. */
    public void patchU32(int position, long v) {
        buf[position] = (byte) (v >>> 24);
        buf[position + 1] = (byte) (v >>> 16);
        buf[position + 2] = (byte) (v >>> 8);
        buf[position + 3] = (byte) v;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            long wanted = Math.max((long) buf.length * 2, (long) size + extra);
            if (wanted > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("object too large to encode: " + wanted + " bytes");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }
}
