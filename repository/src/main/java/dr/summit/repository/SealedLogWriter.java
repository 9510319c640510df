package dr.summit.repository;

import dr.summit.repository.blob.PayloadCodec;
import dr.summit.repository.crypto.SealedLog;
import dr.summit.repository.store.AppendableObject;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The one writer of a {@link SealedLog}: seals each record under the current data key and
 * appends it. Appends from several threads are safe; {@link #sync} makes all that returned durable.
 */
public final class SealedLogWriter implements AutoCloseable {
    private final Repository repo;
    private final AppendableObject object;
    private final String name;
    private final PayloadCodec codec;
    private final AtomicLong sequence = new AtomicLong();

    SealedLogWriter(Repository repo, AppendableObject object, String name, PayloadCodec codec) {
        this.repo = repo;
        this.object = object;
        this.name = name;
        this.codec = codec;
    }

    public String name() {
        return name;
    }

    /** Seals and appends one record; durable only after the next {@link #sync}. */
    public void append(byte[] plain) {
        repo.checkKeysBeforeWrite();
        int epoch = repo.keyring().currentEpoch();
        byte[] payload = codec.encode(plain, 0, plain.length);
        object.append(SealedLog.record(repo.dataKey(epoch), epoch, name, sequence.getAndIncrement(), payload));
    }

    public void sync() {
        object.sync();
    }

    @Override
    public void close() {
        object.close();
    }
}
