package dr.summit.repository.store;

import java.util.List;

/**
 * A flat namespace of immutable objects. Names use '/' as separator ("data/3f/3fa2…").
 *
 * <p>Every object is written once and never changed in place (docs/repository-format.md,
 * "Write-once"): {@link #put} publishes an object atomically or not at all, and refuses to
 * replace an existing object. Implementations must be safe for concurrent use.
 */
public interface ObjectStore extends AutoCloseable {

    /** Human-readable location for error messages, e.g. a directory path or an S3 URL. */
    String location();

    /**
     * Stores {@code length} bytes under {@code name}, durably, and only then makes the name
     * visible. Throws {@link ObjectExistsException} if the name exists already.
     */
    void put(String name, byte[] data, int offset, int length);

    default void put(String name, byte[] data) {
        put(name, data, 0, data.length);
    }

    /**
     * Atomically replaces an object's bytes (readers see the old or the new bytes, never a mix),
     * or creates it. The only exception to write-once, for objects whose meaning does not change:
     * a lease's new expiry, and a sealed object re-encrypted under a newer data key (same
     * plaintext). Never used for packs, index files or snapshots' content.
     */
    void replace(String name, byte[] data);

    /**
     * Creates an object that its creator extends by appending, starting with {@code first}, durably
     * (content and name) before this returns; empty when this store cannot append (S3: the caller
     * stores write-once objects instead). {@link ObjectExistsException} if the name exists.
     */
    default java.util.Optional<AppendableObject> createAppendable(String name, byte[] first) {
        return java.util.Optional.empty();
    }

    /** Whether {@link #createAppendable} creates objects here (a local directory does). */
    default boolean canAppend() {
        return false;
    }

    /**
     * Starts an object that is written in pieces and published by {@link StagedObject#commit},
     * kept out of the heap meanwhile (a local directory: a temporary file beside its final name; S3:
     * {@link StagedObject#spooled}); empty when this store has no staging, and the caller then
     * assembles the bytes in memory and calls {@link #put}.
     */
    default java.util.Optional<StagedObject> stage(String name) {
        return java.util.Optional.empty();
    }

    /** Whole object; {@link ObjectNotFoundException} if absent. */
    byte[] get(String name);

    /** {@code length} bytes from {@code offset}; fails if the object is shorter. */
    byte[] getRange(String name, long offset, int length);

    /**
     * {@code length} bytes from {@code offset} into the start of {@code into}, a buffer the caller
     * reuses (a restore's range buffers); fails if the object is shorter. A local directory reads
     * straight into it, other stores copy.
     */
    default void getRange(String name, long offset, int length, byte[] into) {
        System.arraycopy(getRange(name, offset, length), 0, into, 0, length);
    }

    /** Size in bytes; {@link ObjectNotFoundException} if absent. */
    long size(String name);

    boolean exists(String name);

    /** Names under a prefix ("data/", "snapshots/"), in no particular order, complete objects only. */
    List<String> list(String prefix);

    /** Removes an object; removing an absent object is not an error (deletes are idempotent). */
    void delete(String name);

    /** Request counters of this store since it was opened. */
    StoreStats stats();

    @Override
    default void close() {
    }
}
