package dr.summit.repository.pack;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.format.ByteReader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Reads packs: parses a footer and trailer to list a pack's blobs without any index, and decrypts
 * single blobs. Pure: the caller fetches the bytes from the store.
 */
public final class PackReader {
    private PackReader() {
    }

    /** The parsed footer: which epoch's key to use and how long the trailer is. */
    public record Footer(int epoch, int trailerLength) {
    }

    public static Footer footer(byte[] footerBytes, String packName, long packSize) {
        ByteReader r = new ByteReader(footerBytes, packName + " footer");
        if (!Arrays.equals(r.bytes(4), PackFormat.FOOTER_MAGIC)) {
            throw new CorruptObjectException(packName + ": not a pack (bad footer magic; truncated or foreign file)");
        }
        int version = r.u8();
        if (version != PackFormat.VERSION) {
            throw new CorruptObjectException(packName + ": unsupported pack version " + version);
        }
        byte[] reserved = r.bytes(3);
        if (reserved[0] != 0 || reserved[1] != 0 || reserved[2] != 0) {
            throw new CorruptObjectException(packName + ": reserved footer bytes are not zero (damaged footer)");
        }
        int epoch = (int) r.u32();
        long trailerLength = r.u32();
        if (trailerLength < AesGcm.TAG_BYTES + 4 || trailerLength > packSize - PackFormat.FOOTER_BYTES) {
            throw new CorruptObjectException(packName + ": trailer length " + trailerLength + " does not fit a pack of " + packSize + " bytes");
        }
        return new Footer(epoch, (int) trailerLength);
    }

    /**
     * Decrypts and parses a trailer that starts at {@code trailerOffset}. Entries must lie inside
     * the blob area and must not overlap: a damaged trailer is rejected rather than trusted.
     */
    public static List<PackEntry> trailer(byte[] dataKey, byte[] packId, byte[] trailer, int trailerOffset) {
        String name = PackFormat.objectName(packId);
        byte[] key = PackFormat.packKey(dataKey, packId);
        byte[] plain = AesGcm.open(key, PackFormat.nonceFor(trailerOffset), PackFormat.trailerAad(packId), trailer, 0,
                trailer.length, name + " trailer");
        Arrays.fill(key, (byte) 0);
        ByteReader r = new ByteReader(plain, name + " trailer");
        int count = r.count(PackFormat.TRAILER_ENTRY_BYTES);
        List<PackEntry> entries = new ArrayList<>(count);
        long expectedOffset = 0;
        for (int i = 0; i < count; i++) {
            BlobType type = BlobType.ofCode(r.u8(), name);
            BlobId id = BlobId.of(r.bytes(BlobId.BYTES));
            long offset = r.u32();
            long length = r.u32();
            if (offset != expectedOffset || length < AesGcm.TAG_BYTES || offset + length > trailerOffset) {
                throw r.corrupt("entry " + i + " has inconsistent offset/length " + offset + "/" + length);
            }
            expectedOffset = offset + length;
            entries.add(new PackEntry(type, id, (int) offset, (int) length));
        }
        r.expectEnd();
        if (expectedOffset != trailerOffset) {
            throw r.corrupt("entries cover " + expectedOffset + " bytes but the trailer starts at " + trailerOffset);
        }
        return entries;
    }

    /** Decrypts one blob's ciphertext; the result is the framed payload (see PayloadCodec). */
    public static byte[] openBlob(byte[] packKey, byte[] packId, PackEntry entry, byte[] ciphertext, int offset) {
        return AesGcm.open(packKey, PackFormat.nonceFor(entry.offset()), PackFormat.blobAad(entry.type(), entry.id()),
                ciphertext, offset, entry.length(),
                "blob " + entry.id().shortHex() + " in pack " + HexFormat.of().formatHex(packId) + " at offset " + entry.offset());
    }

    /** Lists a whole pack held in memory (verify and repair use this). */
    public static List<PackEntry> list(byte[] pack, byte[] packId, IntFunction<byte[]> dataKeyOfEpoch) {
        String name = PackFormat.objectName(packId);
        if (pack.length < PackFormat.FOOTER_BYTES) {
            throw new CorruptObjectException(name + ": truncated to " + pack.length + " bytes");
        }
        Footer footer = footer(Arrays.copyOfRange(pack, pack.length - PackFormat.FOOTER_BYTES, pack.length), name, pack.length);
        int trailerOffset = pack.length - PackFormat.FOOTER_BYTES - footer.trailerLength();
        byte[] trailer = Arrays.copyOfRange(pack, trailerOffset, trailerOffset + footer.trailerLength());
        return trailer(dataKeyOfEpoch.apply(footer.epoch()), packId, trailer, trailerOffset);
    }
}
