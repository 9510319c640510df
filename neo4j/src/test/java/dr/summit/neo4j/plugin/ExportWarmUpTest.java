package dr.summit.neo4j.plugin;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The export's warm-up (plugin's ExportWarmUp): its synthetic graph goes through every mode of the
 * encoder without failing, and its thread never holds up the caller (the server's start). That it
 * runs at a real server's start and leaves no trace there: Neo4jBackupTest.theExportWarmUpRanAtStartAndLeftNoTrace.
 */
class ExportWarmUpTest {
    @Test
    void theSyntheticGraphGoesThroughEveryModeTheSameEachTime() {
        long first = ExportWarmUp.run(3_000);
        // rows of records were made (records and digest, records alone), and a run is deterministic
        assertThat(first).isGreaterThan(3_000L * 20);
        assertThat(ExportWarmUp.run(3_000)).isEqualTo(first);
    }

    @Test
    void theWarmUpThreadNeverHoldsUpItsCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        long t = System.nanoTime();
        Thread warm = ExportWarmUp.start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("a failing warm-up stays in its thread");
        });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t)).isLessThan(1_000);
        assertThat(warm.isAlive()).isTrue();
        assertThat(warm.isDaemon()).isTrue();
        assertThat(warm.getPriority()).isEqualTo(Thread.MIN_PRIORITY);
        release.countDown();
        warm.join(10_000);
        assertThat(warm.isAlive()).isFalse();
    }
}
