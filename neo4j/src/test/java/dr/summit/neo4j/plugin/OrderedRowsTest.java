package dr.summit.neo4j.plugin;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The export's merge (plugin's OrderedRows): rows of partitions produced by several threads come
 * out in partition order, with a bounded number held, and failures and an early close end it.
 */
class OrderedRowsTest {
    @Test
    void rowsOfSeveralThreadsComeOutInPartitionOrderWithFewHeld() throws Exception {
        int threads = 4, partitions = 60, maxAhead = 6;
        OrderedRows<String> rows = new OrderedRows<>(threads, maxAhead);
        AtomicInteger maxHeld = new AtomicInteger();
        AtomicInteger held = new AtomicInteger();
        Object reserve = new Object();
        AtomicInteger left = new AtomicInteger(partitions);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    while (true) {
                        int p;
                        synchronized (reserve) {
                            if (left.getAndDecrement() <= 0) {
                                break;
                            }
                            p = rows.reserve();
                        }
                        // partitions of different sizes (some empty), at different speeds
                        for (int i = 0; i < (p * 7) % 11; i++) {
                            rows.put(p, p + "." + i);
                            maxHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
                            if ((p + i) % 5 == 0) {
                                Thread.sleep(1);
                            }
                        }
                        rows.finish(p);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    rows.producerDone();
                }
            });
            workers.add(w);
            w.start();
        }
        List<String> out = new ArrayList<>();
        for (String r = rows.take(); r != null; r = rows.take()) {
            held.decrementAndGet();
            out.add(r);
        }
        List<String> expected = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            for (int i = 0; i < (p * 7) % 11; i++) {
                expected.add(p + "." + i);
            }
        }
        assertThat(out).isEqualTo(expected);
        // the bound, plus one row of the head's, plus one the reader took but has not counted yet
        assertThat(maxHeld.get()).isLessThanOrEqualTo(maxAhead + 2);
        for (Thread w : workers) {
            w.join(10_000);
            assertThat(w.isAlive()).isFalse();
        }
    }

    @Test
    void aProducersFailureReachesTheReaderAndFreesTheOthers() throws Exception {
        OrderedRows<String> rows = new OrderedRows<>(2, 1);
        int first = rows.reserve();
        int second = rows.reserve();
        rows.put(second, "ahead");
        CountDownLatch blocked = new CountDownLatch(1);
        Throwable[] seen = new Throwable[1];
        Thread waiting = new Thread(() -> {
            try {
                blocked.countDown();
                rows.put(second, "waits: one row ahead is the bound");
            } catch (Throwable t) {
                seen[0] = t;
            }
        });
        waiting.start();
        assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
        rows.fail(new IllegalStateException("store read failed"));
        waiting.join(5_000);
        assertThat(waiting.isAlive()).isFalse();
        assertThat(seen[0]).isInstanceOf(CancellationException.class);
        assertThatThrownBy(rows::take).hasMessageContaining("store read failed");
        assertThat(first).isZero();
    }

    @Test
    void anEarlyCloseStopsProducersWaitingForRoom() throws Exception {
        OrderedRows<String> rows = new OrderedRows<>(1, 1);
        rows.reserve();
        int later = rows.reserve();
        rows.put(later, "ahead");
        Throwable[] seen = new Throwable[1];
        Thread waiting = new Thread(() -> {
            try {
                rows.put(later, "waits for room");
            } catch (Throwable t) {
                seen[0] = t;
            }
        });
        waiting.start();
        Thread.sleep(50);
        assertThat(waiting.isAlive()).isTrue();
        rows.cancel();
        waiting.join(5_000);
        assertThat(seen[0]).isInstanceOf(CancellationException.class);
    }
}
