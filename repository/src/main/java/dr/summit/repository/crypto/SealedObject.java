package dr.summit.repository.crypto;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A standalone encrypted object (keyring, index, snapshot; docs/repository-format.md, "Sealed
 * objects"): a 10-byte plaintext header {@code "SDRO" version kind epoch} followed by
 * AES-256-GCM ciphertext. The key is derived from the base key and the object's name, and names
 * are random, so every key seals exactly one message and nonce 0 is never reused. The header and
 * the name are associated data: an object cannot be renamed or relabelled unnoticed.
 */
public final class SealedObject {
    public static final int HEADER_BYTES = 10;
    private static final byte[] MAGIC = {'S', 'D', 'R', 'O'};
    private static final int VERSION = 1;

    /** What a sealed object holds. */
    public enum Kind {
        KEYRING(1), INDEX(2), SNAPSHOT(3),
        /** A PostgreSQL WAL, history or backup-history file, archived whole, or one part of a large one. */
        WAL(4),
        /** The list of parts of a PostgreSQL WAL file too large to seal as one object. */
        WAL_PARTS(5),
        /** A small JSON record of the orchestrator (a job's state, an API token's hash, an audit entry). */
        RECORD(6),
        /**
         * An append-only log of sealed records ({@link SealedLog}): the growing WAL segment a receiver
         * streams into a local repository. Only its 10-byte header has this object's form.
         */
        LOG(7);

        final int code;

        Kind(int code) {
            this.code = code;
        }
    }

    /** The plaintext header. */
    public record Header(Kind kind, int epoch) {
    }

    private SealedObject() {
    }

    public static byte[] seal(byte[] baseKey, int epoch, Kind kind, String name, byte[] payload) {
        byte[] header = headerBytes(kind, epoch);
        byte[] key = objectKey(baseKey, name);
        byte[] out = Arrays.copyOf(header, HEADER_BYTES + payload.length + AesGcm.TAG_BYTES);
        AesGcm.seal(key, AesGcm.nonce(0), aad(header, name), payload, 0, payload.length, out, HEADER_BYTES);
        Arrays.fill(key, (byte) 0);
        return out;
    }

    /**
     * Seals in place: the payload at {@code buffer[HEADER_BYTES, HEADER_BYTES + payloadLength)},
     * with {@link AesGcm#TAG_BYTES} free after it, becomes the sealed object at {@code buffer[0, n)};
     * returns n. The same bytes as {@link #seal}, without a second buffer of the object's size.
     */
    public static int sealInPlace(byte[] baseKey, int epoch, Kind kind, String name, byte[] buffer, int payloadLength) {
        byte[] header = headerBytes(kind, epoch);
        System.arraycopy(header, 0, buffer, 0, HEADER_BYTES);
        byte[] key = objectKey(baseKey, name);
        int sealed = AesGcm.seal(key, AesGcm.nonce(0), aad(header, name), buffer, HEADER_BYTES, payloadLength, buffer, HEADER_BYTES);
        Arrays.fill(key, (byte) 0);
        return HEADER_BYTES + sealed;
    }

    /** The plaintext header of an object of {@code kind} sealed under {@code epoch}. */
    static byte[] headerBytes(Kind kind, int epoch) {
        return new ByteWriter(HEADER_BYTES).bytes(MAGIC).u8(VERSION).u8(kind.code).u32(epoch & 0xffffffffL).toByteArray();
    }

    public static Header header(byte[] sealed, String name) {
        ByteReader r = new ByteReader(sealed, name);
        if (!Arrays.equals(r.bytes(4), MAGIC)) {
            throw r.corrupt("not a sealed object (bad magic)");
        }
        int version = r.u8();
        if (version != VERSION) {
            throw r.corrupt("unsupported sealed-object version " + version);
        }
        int code = r.u8();
        Kind kind = Arrays.stream(Kind.values()).filter(k -> k.code == code).findFirst()
                .orElseThrow(() -> r.corrupt("unknown object kind " + code));
        return new Header(kind, (int) r.u32());
    }

    /** Decrypts an object of the {@code expected} kind; fails if it is another kind or was altered. */
    public static byte[] open(byte[] baseKey, Kind expected, String name, byte[] sealed) {
        Header header = header(sealed, name);
        if (header.kind() != expected) {
            throw new CorruptObjectException(name + ": expected a " + expected + " object, found " + header.kind());
        }
        byte[] key = objectKey(baseKey, name);
        try {
            return AesGcm.open(key, AesGcm.nonce(0), aad(Arrays.copyOf(sealed, HEADER_BYTES), name), sealed,
                    HEADER_BYTES, sealed.length - HEADER_BYTES, name);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static byte[] objectKey(byte[] baseKey, String name) {
        return Hkdf.derive(baseKey, "summit-dr object v1", name.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] aad(byte[] header, String name) {
        return new ByteWriter(HEADER_BYTES + name.length()).bytes(header).bytes(name.getBytes(StandardCharsets.UTF_8)).toByteArray();
    }
}
