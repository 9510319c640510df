package dr.summit.cli;

import java.util.function.LongSupplier;

/**
 * Hands a resident process's memory back once a burst of work is over. The serial collector
 * shrinks the heap (to {@code MaxHeapFreeRatio}) only in a full collection, and an idle JVM runs
 * none: after pushing a few hundred MiB of WAL the agent would keep its peak heap for hours. So
 * when the activity count has stood still for {@code quietNanos}, one full collection runs; the
 * next only after more work.
 */
final class IdleHeapTrim {
    private final long quietNanos;
    private final LongSupplier clock;
    private final Runnable collect;
    private long lastActivity = Long.MIN_VALUE;
    private long stillSince;
    private boolean trimmed = true;   // the process collected at start-up

    IdleHeapTrim(long quietNanos, LongSupplier clock, Runnable collect) {
        this.quietNanos = quietNanos;
        this.clock = clock;
        this.collect = collect;
    }

    static IdleHeapTrim systemGc(long quietNanos) {
        return new IdleHeapTrim(quietNanos, System::nanoTime, System::gc);
    }

    /** As {@link #systemGc(long)}, running {@code release} (drop pooled buffers) before the collection. */
    static IdleHeapTrim systemGc(long quietNanos, Runnable release) {
        return new IdleHeapTrim(quietNanos, System::nanoTime, () -> {
            release.run();
            System.gc();
        });
    }

    /** Called now and then with the current activity count. */
    void poll(long activity) {
        long now = clock.getAsLong();
        if (activity != lastActivity) {
            if (lastActivity != Long.MIN_VALUE) {
                trimmed = false;
            }
            lastActivity = activity;
            stillSince = now;
        } else if (!trimmed && now - stillSince >= quietNanos) {
            trimmed = true;
            collect.run();
        }
    }
}
