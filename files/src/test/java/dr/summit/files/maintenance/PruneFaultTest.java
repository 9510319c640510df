package dr.summit.files.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.Pruner;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prune that fails at any one store call (put, get, list, delete — as an error, the way a crash
 * or a timeout ends it) leaves a repository whose snapshots are intact, and the next prune
 * finishes the job.
 */
class PruneFaultTest {
    @TempDir
    Path tmp;

    @Test
    void pruneFailingAtEveryStoreCallLosesNothingAndTheNextPruneCompletes() throws Exception {
        Path template = tmp.resolve("template");
        FilesTestSupport.init(template);
        Random random = new Random(5);
        Path kept = Files.createDirectories(tmp.resolve("kept"));
        Path dropped = Files.createDirectories(tmp.resolve("dropped"));
        for (int i = 0; i < 4; i++) {
            FilesTestSupport.writeRandom(kept.resolve("k" + i), random, 150_000 + random.nextInt(200_000));
            FilesTestSupport.writeRandom(dropped.resolve("d" + i), random, 150_000 + random.nextInt(200_000));
        }
        // One snapshot of both trees (to forget) and one of 'kept': prune repacks and deletes.
        Snapshot both = FilesTestSupport.backup(template, tmp, null).snapshot();
        FilesTestSupport.backup(template, kept, null);
        try (Repository repo = FilesTestSupport.open(template)) {
            repo.deleteSnapshot(both.id());
        }
        var expected = TreeFingerprint.of(kept);

        AtomicInteger calls = new AtomicInteger();
        Path counting = copy(template, "counting");
        try (Repository repo = Repository.open(new LocalDirectoryStore(counting, (call, name) -> calls.incrementAndGet()),
                FilesTestSupport.PASSWORD)) {
            int before = calls.get();
            Pruner.Result result = new Pruner(repo).execute(new Pruner(repo).plan(0.0));
            assertThat(result.packsDeleted()).isPositive();
            calls.set(calls.get() - before);
        }
        int total = calls.get();
        assertThat(total).as("store calls of one prune").isGreaterThan(20);

        for (int failAt = 1; failAt <= total; failAt++) {
            Path dir = copy(template, "fail-" + failAt);
            AtomicInteger count = new AtomicInteger();
            int n = failAt;
            boolean[] armed = {false};
            StoreFaults faults = (call, name) -> {
                if (armed[0] && count.incrementAndGet() == n) {
                    throw new StoreException("injected " + call + " failure at call " + n + " (" + name + ")");
                }
            };
            try (Repository repo = Repository.open(new LocalDirectoryStore(dir, faults), FilesTestSupport.PASSWORD)) {
                armed[0] = true;
                new Pruner(repo).execute(new Pruner(repo).plan(0.0));
            } catch (StoreException expectedFailure) {
                assertThat(expectedFailure.getMessage()).contains("injected");
            }
            // A process that failed may not have removed its lease (as after a crash): it expires.
            // Here it is removed instead of waited for.
            FilesTestSupport.deleteTree(dir.resolve("leases"));
            try (Repository repo = FilesTestSupport.open(dir)) {
                Pruner.Result again = new Pruner(repo).execute(new Pruner(repo).plan(0.0));
                assertThat(again.sweep().marksWaiting()).as("after failing at call %d: %s", n, again.sweep().waitingOn()).isZero();
            }
            try (Repository repo = FilesTestSupport.open(dir)) {
                assertThat(new Verifier(repo, 2).verify(1.0).errors()).as("verify after failing at call %d", n).isEmpty();
                Snapshot latest = repo.findSnapshot("latest");
                Path target = tmp.resolve("restore-" + n);
                FilesTestSupport.restore(dir, latest, target, List.of());
                assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("kept"))))
                        .as("restore after failing at call %d", n).isEmpty();
            }
            FilesTestSupport.deleteTree(dir);
        }
    }

    private Path copy(Path from, String name) throws IOException {
        Path to = tmp.resolve(name);
        FilesTestSupport.copyTree(from, to);
        return to;
    }

}
