package dr.summit.repository.pack;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.crypto.AesGcm;
import dr.summit.repository.format.ByteWriter;
import dr.summit.repository.store.StagedObject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Assembles one pack while several threads add blobs to it. A thread first {@link #reserve}s the
 * blob's offset (cheap, under the lock), then encrypts outside the lock — the nonce is the
 * offset, known before encryption — and hands the ciphertext back with {@link #fill}. This keeps
 * encryption parallel while nonces stay unique by construction.
 *
 * <p>The pack's bytes are either kept in memory until {@link #finish} joins them, or, when the
 * store can stage objects, written at their offsets into a {@link StagedObject} as they are filled
 * and completed by {@link #finishStaged}: then a backup's open, queued and uploading packs (up to
 * ~100 MiB with 16 MiB packs) hold no heap, and no pack is ever copied whole.
 */
public final class PackBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] packId;
    private final byte[] key;
    private final int epoch;
    private final int targetSize;
    private final List<PackEntry> entries = new ArrayList<>();
    private final List<byte[]> ciphertexts = new ArrayList<>();
    private final StagedObject staged;
    private int reserved;
    private int filled;
    private boolean closed;

    /** A pack assembled in memory, under a new random id. */
    public PackBuilder(byte[] dataKey, int epoch, int targetSize) {
        this(newPackId(), dataKey, epoch, targetSize, null);
    }

    /**
     * A pack with the given id; its blobs go straight into {@code staged} (the object named after
     * {@code packId}) as they are filled, or are kept in memory when it is null.
     */
    public PackBuilder(byte[] packId, byte[] dataKey, int epoch, int targetSize, StagedObject staged) {
        if (packId.length != PackFormat.PACK_ID_BYTES) {
            throw new IllegalArgumentException("a pack id has " + PackFormat.PACK_ID_BYTES + " bytes, not " + packId.length);
        }
        this.packId = packId.clone();
        this.key = PackFormat.packKey(dataKey, packId);
        this.epoch = epoch;
        this.targetSize = targetSize;
        this.staged = staged;
    }

    public static byte[] newPackId() {
        byte[] id = new byte[PackFormat.PACK_ID_BYTES];
        RANDOM.nextBytes(id);
        return id;
    }

    /** A slot for one blob: where it goes and with which key and nonce to encrypt it. */
    public record Reservation(PackBuilder pack, int index, int offset, BlobType type, BlobId id) {
        /** Encrypts {@code payload} for this slot. Runs outside any lock. */
        public byte[] encrypt(byte[] payload) {
            byte[] out = new byte[payload.length + AesGcm.TAG_BYTES];
            AesGcm.seal(pack.key, PackFormat.nonceFor(offset), PackFormat.blobAad(type, id), payload, 0, payload.length, out, 0);
            return out;
        }
    }

    /** Reserves space for a payload of {@code payloadLength} bytes, or returns null if the pack is closed. */
    public synchronized Reservation reserve(BlobType type, BlobId id, int payloadLength) {
        if (closed) {
            return null;
        }
        int length = payloadLength + AesGcm.TAG_BYTES;
        Reservation r = new Reservation(this, entries.size(), reserved, type, id);
        entries.add(new PackEntry(type, id, reserved, length));
        if (staged == null) {
            ciphertexts.add(null);
        }
        reserved += length;
        if (reserved >= targetSize) {
            closed = true;
        }
        return r;
    }

    /** Stores the ciphertext of a reservation; returns true if this completed a closed pack. */
    public boolean fill(Reservation r, byte[] ciphertext) {
        synchronized (this) {
            if (ciphertext.length != entries.get(r.index()).length()) {
                throw new IllegalStateException("ciphertext length does not match its reservation");
            }
        }
        // Outside the lock: workers write their disjoint ranges of the staged pack in parallel.
        if (staged != null) {
            staged.write(r.offset(), ciphertext, 0, ciphertext.length);
        }
        synchronized (this) {
            if (staged == null) {
                ciphertexts.set(r.index(), ciphertext);
            }
            filled++;
            return closed && filled == entries.size();
        }
    }

    /** Stops accepting blobs; returns true if every reservation is already filled. */
    public synchronized boolean close() {
        closed = true;
        return filled == entries.size();
    }

    public synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    public synchronized int size() {
        return reserved;
    }

    public byte[] packId() {
        return packId.clone();
    }

    public int epoch() {
        return epoch;
    }

    public synchronized List<PackEntry> entries() {
        return List.copyOf(entries);
    }

    /** The complete pack bytes: blobs, trailer, footer. Call once, after close and all fills. */
    public synchronized byte[] finish() {
        if (staged != null) {
            throw new IllegalStateException("a staged pack is finished with finishStaged");
        }
        byte[] tail = tail();
        byte[] out = new byte[reserved + tail.length];
        for (int i = 0; i < entries.size(); i++) {
            byte[] ct = ciphertexts.get(i);
            System.arraycopy(ct, 0, out, entries.get(i).offset(), ct.length);
            ciphertexts.set(i, null);
        }
        System.arraycopy(tail, 0, out, reserved, tail.length);
        return out;
    }

    /**
     * Writes the trailer and footer after the blobs of a staged pack and returns the pack's length,
     * for {@link StagedObject#commit}. Call once, after close and all fills.
     */
    public synchronized long finishStaged() {
        if (staged == null) {
            throw new IllegalStateException("a pack in memory is finished with finish");
        }
        byte[] tail = tail();
        staged.write(reserved, tail, 0, tail.length);
        return (long) reserved + tail.length;
    }

    /** The staged object this pack is written into, or null when it is kept in memory. */
    public StagedObject staged() {
        return staged;
    }

    /** The encrypted trailer (every blob's type, id, offset, length) and the footer; wipes the pack key. */
    private byte[] tail() {
        if (!closed || filled != entries.size()) {
            throw new IllegalStateException("pack finished before all blobs were written");
        }
        ByteWriter trailer = new ByteWriter(4 + entries.size() * PackFormat.TRAILER_ENTRY_BYTES);
        trailer.u32(entries.size());
        for (PackEntry e : entries) {
            trailer.u8(e.type().code());
            trailer.bytes(e.id().bytes());
            trailer.u32(e.offset()).u32(e.length());
        }
        byte[] plain = trailer.toByteArray();
        int trailerLength = plain.length + AesGcm.TAG_BYTES;
        byte[] out = new byte[trailerLength + PackFormat.FOOTER_BYTES];
        AesGcm.seal(key, PackFormat.nonceFor(reserved), PackFormat.trailerAad(packId), plain, 0, plain.length, out, 0);
        ByteWriter footer = new ByteWriter(PackFormat.FOOTER_BYTES);
        footer.bytes(PackFormat.FOOTER_MAGIC).u8(PackFormat.VERSION).u8(0).u8(0).u8(0).u32(epoch & 0xffffffffL).u32(trailerLength);
        System.arraycopy(footer.toByteArray(), 0, out, trailerLength, PackFormat.FOOTER_BYTES);
        Arrays.fill(key, (byte) 0);
        return out;
    }
}
