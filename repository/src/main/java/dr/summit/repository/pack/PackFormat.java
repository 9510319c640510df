package dr.summit.repository.pack;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.crypto.Hkdf;
import dr.summit.repository.format.ByteWriter;

import java.util.HexFormat;

/**
 * Constants and key/AAD derivations of the pack format v1 (docs/repository-format.md, "Pack").
 * <pre>
 * pack    := blob* trailer footer
 * blob    := AES-GCM(packKey, nonce = offset, aad = "SDRB" 01 type id, payload)
 * trailer := AES-GCM(packKey, nonce = offset, aad = "SDRT" 01 packId, count u32 (type u8 id[32] offset u32 length u32)*)
 * footer  := "SDRP" 01 00 00 00 epoch u32 trailerLength u32        (16 bytes, plaintext)
 * packKey := HKDF-SHA256(dataKey[epoch], "summit-dr pack v1" 00 packId)
 * </pre>
 * Offsets are unique inside a pack and every pack has its own key, so no (key, nonce) pair repeats.
 */
public final class PackFormat {
    public static final int VERSION = 1;
    public static final int FOOTER_BYTES = 16;
    public static final int TRAILER_ENTRY_BYTES = 1 + BlobId.BYTES + 4 + 4;
    public static final int PACK_ID_BYTES = 32;
    static final byte[] FOOTER_MAGIC = {'S', 'D', 'R', 'P'};

    private PackFormat() {
    }

    public static byte[] packKey(byte[] dataKey, byte[] packId) {
        return Hkdf.derive(dataKey, "summit-dr pack v1", packId);
    }

    public static byte[] blobAad(BlobType type, BlobId id) {
        ByteWriter w = new ByteWriter(38);
        w.bytes(new byte[]{'S', 'D', 'R', 'B'}).u8(VERSION).u8(type.code());
        byte[] out = w.toByteArray();
        byte[] aad = java.util.Arrays.copyOf(out, 38);
        id.copyTo(aad, 6);
        return aad;
    }

    static byte[] trailerAad(byte[] packId) {
        return new ByteWriter(38).bytes(new byte[]{'S', 'D', 'R', 'T'}).u8(VERSION).bytes(packId).toByteArray();
    }

    public static byte[] nonceFor(int offset) {
        return AesGcm.nonce(offset);
    }

    /** Object name of a pack: data/ab/abcd… (two-hex-digit fan-out keeps directories small). */
    public static String objectName(byte[] packId) {
        String hex = HexFormat.of().formatHex(packId);
        return "data/" + hex.substring(0, 2) + "/" + hex;
    }

    /** Pack id from an object name, or null if the name is not a pack name. */
    public static byte[] idFromName(String name) {
        int slash = name.lastIndexOf('/');
        String hex = name.substring(slash + 1);
        if (!name.startsWith("data/") || hex.length() != 2 * PACK_ID_BYTES) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
