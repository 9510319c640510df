package dr.summit.repository.index;

import dr.summit.repository.blob.BlobType;

import java.util.HexFormat;

/** Where a blob is stored: pack, the pack's key epoch, and the ciphertext's offset and length. */
public record BlobLocation(byte[] packId, int epoch, BlobType type, int offset, int length) {
    public String packHex() {
        return HexFormat.of().formatHex(packId);
    }
}
