package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleHeapTrimTest {
    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger collections = new AtomicInteger();
    private final IdleHeapTrim trim = new IdleHeapTrim(10, now::get, collections::incrementAndGet);

    private void at(long time, long activity) {
        now.set(time);
        trim.poll(activity);
    }

    @Test
    void collectsOnceAfterABurstHasBeenQuietLongEnough() {
        at(0, 5);
        at(100, 5);
        assertThat(collections).as("nothing happened since start-up's collection").hasValue(0);
        at(101, 6);
        at(105, 9);
        at(114, 9);
        assertThat(collections).as("quiet for 9 of 10").hasValue(0);
        at(115, 9);
        assertThat(collections).hasValue(1);
        at(500, 9);
        assertThat(collections).as("once per burst").hasValue(1);
    }

    @Test
    void aBusyAgentIsNeverInterrupted() {
        at(0, 1);
        for (long t = 1; t < 100; t++) {
            at(t, -1 - t);   // in flight: a value that never repeats
        }
        assertThat(collections).hasValue(0);
        at(100, 2);
        at(110, 2);
        assertThat(collections).hasValue(1);
    }
}
