package dr.summit.repository.lease;

import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Claims: leases that exclude each other across processes sharing a repository (issue 17, two servers). */
class LeaseClaimTest {
    private static final LeaseTimes TIMES = new LeaseTimes(Duration.ofMinutes(15), Duration.ofSeconds(0));

    @TempDir
    Path dir;

    @Test
    void aSecondClaimOfTheSameThingIsRefusedNamingTheHolderUntilTheFirstIsReleased() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        try (LeaseHolder first = LeaseHolder.claim(store, TIMES, "summit-dr server", "recover:/srv/restore", "job 1")) {
            assertThat(first.lease().claim()).isEqualTo("recover:/srv/restore");
            assertThatThrownBy(() -> LeaseHolder.claim(store, TIMES, "summit-dr server", "recover:/srv/restore", "job 2"))
                    .isInstanceOf(ClaimTaken.class)
                    .hasMessageContaining("recover:/srv/restore is held by 'summit-dr server'")
                    .hasMessageContaining("job 1")
                    .satisfies(e -> assertThat(((ClaimTaken) e).holder().claimant()).isEqualTo("job 1"));
            // another thing is free, and a plain lease is no claim
            LeaseHolder.claim(store, TIMES, "summit-dr server", "recover:/srv/other", "job 3").close();
            LeaseHolder.acquire(store, TIMES, "summit-dr backup").close();
            assertThat(store.list(Lease.PREFIX)).hasSize(1);
        }
        assertThat(store.list(Lease.PREFIX)).isEmpty();
        LeaseHolder.claim(store, TIMES, "summit-dr server", "recover:/srv/restore", "job 2").close();
    }

    @Test
    void theClaimOfAHolderThatCrashedElsewhereHoldsNothingOnceItsLeaseExpired() {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        Instant past = Instant.now().minus(Duration.ofMinutes(30));
        // written by a server on another machine that died: no scope of ours, expired 15 minutes ago
        Lease crashed = new Lease(1, "0123456789abcdef0123456789abcdef", "db2", 77, "summit-dr server", past,
                past.plus(Duration.ofMinutes(15)), null, null, null, "schedule:nightly", "job 9");
        store.put(Lease.objectName(crashed.id()), crashed.toJson());
        try (LeaseHolder taken = LeaseHolder.claim(store, TIMES, "summit-dr server", "schedule:nightly", "job 10")) {
            assertThat(taken.lease().claimant()).isEqualTo("job 10");
        }
        // still alive by its clock plus the allowed skew: held
        Lease alive = new Lease(1, "fedcba9876543210fedcba9876543210", "db2", 77, "summit-dr server", Instant.now(),
                Instant.now().plus(Duration.ofMinutes(15)), null, null, null, "schedule:nightly", "job 11");
        store.put(Lease.objectName(alive.id()), alive.toJson());
        assertThatThrownBy(() -> LeaseHolder.claim(store, TIMES, "summit-dr server", "schedule:nightly", "job 12"))
                .isInstanceOf(ClaimTaken.class).hasMessageContaining("on db2 (pid 77, for job 11");
    }

    @Test
    void ofManyClaimantsRacingAtOnceNeverTwoHoldTheClaim() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(dir);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            for (int round = 0; round < 10; round++) {
                CountDownLatch go = new CountDownLatch(1);
                AtomicInteger holding = new AtomicInteger();
                AtomicInteger maxHolding = new AtomicInteger();
                AtomicInteger won = new AtomicInteger();
                List<Future<?>> all = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int n = i;
                    all.add(pool.submit(() -> {
                        go.await();
                        try (LeaseHolder h = LeaseHolder.claim(store, TIMES, "racer", "drill:backup-validation", "racer " + n)) {
                            won.incrementAndGet();
                            maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
                            Thread.sleep(300); // longer than any claimant's retries: the others must see it held
                            holding.decrementAndGet();
                        } catch (ClaimTaken refused) {
                            // expected for all but one
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : all) {
                    f.get();
                }
                assertThat(maxHolding.get()).as("round " + round).isLessThanOrEqualTo(1);
                assertThat(won.get()).as("round " + round + ": someone gets it").isGreaterThanOrEqualTo(1);
                assertThat(store.list(Lease.PREFIX)).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
