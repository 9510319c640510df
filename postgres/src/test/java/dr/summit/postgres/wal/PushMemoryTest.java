package dr.summit.postgres.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class PushMemoryTest {
    private static final long MiB = 1 << 20;

    @Test
    void aPushGivesBackAllButItsSealedSizeOnceSealedAndTheRestWhenStored() throws Exception {
        PushMemory memory = new PushMemory(32 * MiB);
        try (PushMemory.Reservation a = memory.reserve(16 * MiB)) {
            assertThat(memory.availableBytes()).isEqualTo(16 * MiB);
            a.shrinkTo(3 * MiB + 5);
            assertThat(memory.availableBytes()).isEqualTo(32 * MiB - 3 * MiB - 1024);
            a.shrinkTo(20 * MiB);   // never grows back
            assertThat(memory.availableBytes()).isEqualTo(32 * MiB - 3 * MiB - 1024);
        }
        assertThat(memory.availableBytes()).isEqualTo(32 * MiB);
    }

    @Test
    void aThirdIncompressibleSegmentWaitsUntilOneIsStored() throws Exception {
        PushMemory memory = new PushMemory(32 * MiB);
        PushMemory.Reservation first = memory.reserve(16 * MiB);
        PushMemory.Reservation second = memory.reserve(16 * MiB);
        AtomicBoolean thirdIn = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread third = new Thread(() -> {
            try (PushMemory.Reservation r = memory.reserve(16 * MiB)) {
                thirdIn.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        });
        third.start();
        assertThat(done.await(300, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(thirdIn).isFalse();
        first.close();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(thirdIn).isTrue();
        second.close();
        assertThat(memory.availableBytes()).isEqualTo(32 * MiB);
    }

    @Test
    void aPushLargerThanTheWholeBudgetStillRunsAlone() throws Exception {
        PushMemory memory = new PushMemory(8 * MiB);
        try (PushMemory.Reservation big = memory.reserve(16 * MiB)) {
            assertThat(memory.availableBytes()).isZero();
        }
        assertThat(memory.availableBytes()).isEqualTo(8 * MiB);
    }

    @Test
    void theAgentsBudgetIsHalfTheHeapBesideItsOwnAndNeverNothing() {
        assertThat(PushMemory.forAgentHeap(64 * MiB).availableBytes()).isEqualTo(24 * MiB);
        assertThat(PushMemory.forAgentHeap(96 * MiB).availableBytes()).isEqualTo(40 * MiB);
        assertThat(PushMemory.forAgentHeap(8 * MiB).availableBytes()).isEqualTo(MiB);
    }
}
