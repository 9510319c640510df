package dr.summit.neo4j.plugin;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Rows of numbered partitions, produced by several threads, handed to one consumer in partition
 * order (every row of partition 0, then of partition 1, …), so the export's stream is the same
 * bytes whatever the number of threads and however they were scheduled: an unchanged graph's
 * export deduplicates, and all node partitions (numbered first) come before any relationship.
 *
 * <p>Memory is bounded: a producer waits while {@code maxRowsAhead} rows are held, unless its
 * partition is the one the consumer is reading (the head) and none of its rows is waiting: the
 * head never waits for rows of later partitions (those wait for it: no deadlock), so at most
 * {@code maxRowsAhead + 1} rows are held. Partition numbers are given out in order by the
 * producers themselves ({@link #reserve}); {@link #producerDone} once per producer, and when all
 * are done and the rows drained, {@link #take} returns null.
 */
final class OrderedRows<T> {
    private final int maxRowsAhead;
    private final Map<Integer, ArrayDeque<T>> rows = new HashMap<>();
    private final Map<Integer, Boolean> finished = new HashMap<>();
    private int producers;
    private int reserved;
    private int head;
    private int held;
    private Throwable failure;
    private boolean cancelled;

    OrderedRows(int producers, int maxRowsAhead) {
        this.producers = producers;
        this.maxRowsAhead = Math.max(1, maxRowsAhead);
    }

    /** The next partition number; call while holding whatever makes the partition's range yours. */
    synchronized int reserve() {
        return reserved++;
    }

    /** Adds a row of {@code partition}; waits while too many rows are held and it is not the head. */
    synchronized void put(int partition, T row) throws InterruptedException {
        while (held >= maxRowsAhead && !(partition == head && queued(head) == 0) && !cancelled && failure == null) {
            wait();
        }
        checkOpen();
        rows.computeIfAbsent(partition, p -> new ArrayDeque<>()).add(row);
        held++;
        notifyAll();
    }

    /** {@code partition} will get no more rows. */
    synchronized void finish(int partition) {
        finished.put(partition, Boolean.TRUE);
        notifyAll();
    }

    /** One producer has finished every partition it reserved. */
    synchronized void producerDone() {
        producers--;
        notifyAll();
    }

    private int queued(int partition) {
        ArrayDeque<T> q = rows.get(partition);
        return q == null ? 0 : q.size();
    }

    /** A producer failed: the consumer's next {@link #take} throws it. */
    synchronized void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        notifyAll();
    }

    /** The consumer gave up: producers' {@link #put} throws from now on. */
    synchronized void cancel() {
        cancelled = true;
        notifyAll();
    }

    synchronized boolean cancelled() {
        return cancelled;
    }

    /** The next row in partition order, or null when every partition has been read. */
    synchronized T take() throws InterruptedException {
        while (true) {
            if (failure != null) {
                throw new IllegalStateException("summit-dr export: " + failure, failure);
            }
            ArrayDeque<T> q = rows.get(head);
            if (q != null && !q.isEmpty()) {
                T row = q.poll();
                held--;
                notifyAll();
                return row;
            }
            if (finished.remove(head) != null) {
                rows.remove(head);
                head++;
                notifyAll();
                continue;
            }
            if (head >= reserved && producers == 0) {
                return null;
            }
            wait();
        }
    }

    private void checkOpen() {
        if (cancelled) {
            throw new CancellationException("summit-dr export: the reader went away");
        }
        if (failure != null) {
            throw new CancellationException("summit-dr export: another export thread failed");
        }
    }
}
