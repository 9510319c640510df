package dr.summit.repository.store;

/**
 * An object its one writer extends at the end (a {@link dr.summit.repository.crypto.SealedLog}); the
 * single exception to write-once besides {@link ObjectStore#replace}. Bytes already appended are
 * never changed. Readers may see a partly written last append, which the format detects.
 */
public interface AppendableObject extends AutoCloseable {
    /** Appends the bytes as one unit: concurrent appends never interleave. Not yet durable. */
    void append(byte[] data);

    /** Makes every append that returned before this call durable. */
    void sync();

    /** Bytes appended so far, including the object's first bytes. */
    long size();

    @Override
    void close();
}
