package dr.summit.repository.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the requests a store made and the bytes they moved, so an operator can estimate what a
 * run costs on a metered object store. Thread-safe.
 */
public final class StoreStats {
    private final AtomicLong puts = new AtomicLong();
    private final AtomicLong putBytes = new AtomicLong();
    private final AtomicLong gets = new AtomicLong();
    private final AtomicLong getBytes = new AtomicLong();
    private final AtomicLong heads = new AtomicLong();
    private final AtomicLong lists = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();

    public void put(long bytes) {
        puts.incrementAndGet();
        putBytes.addAndGet(bytes);
    }

    public void get(long bytes) {
        gets.incrementAndGet();
        getBytes.addAndGet(bytes);
    }

    public void head() {
        heads.incrementAndGet();
    }

    public void list() {
        lists.incrementAndGet();
    }

    public void delete() {
        deletes.incrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(puts.get(), putBytes.get(), gets.get(), getBytes.get(), heads.get(), lists.get(),
                deletes.get());
    }

    /** Immutable view of the counters. */
    public record Snapshot(long puts, long putBytes, long gets, long getBytes, long heads, long lists,
                           long deletes) {
    }
}
