package dr.summit.repository.store;

/**
 * A write-once object assembled in pieces at known positions, then published whole by
 * {@link #commit}: what a pack is while workers add blobs to it. Until the commit nobody sees it
 * ({@link ObjectStore#list} and {@link ObjectStore#get} do not); {@link #close} without a commit
 * discards it. Kept outside the heap by the store that stages it (a local directory: a temporary
 * file beside the object's final name), so a backup's packs in the making do not count against
 * its memory.
 */
public interface StagedObject extends AutoCloseable {
    /** Writes bytes at {@code position}; safe from several threads for disjoint ranges. Not yet durable. */
    void write(long position, byte[] data, int offset, int length);

    /**
     * Makes the first {@code length} bytes durable and then visible under the object's name, as
     * {@link ObjectStore#put} does; {@link ObjectExistsException} if the name exists. Once.
     */
    void commit(long length);

    /** Discards the object unless it was committed. Idempotent. */
    @Override
    void close();

    /**
     * Stages in a private file of the machine's temporary directory and commits by reading it back
     * and {@link ObjectStore#put putting} it: for stores that take whole objects only.
     */
    static StagedObject spooled(ObjectStore target, String name) {
        return new SpooledObject(target, name);
    }
}
