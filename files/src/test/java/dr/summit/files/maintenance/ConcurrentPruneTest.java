package dr.summit.files.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.backup.Archiver;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.Pruner;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prune while backups run (docs/repository-format.md, "Prune"): the two-phase protocol must never
 * delete a pack that a snapshot committed by a concurrent backup needs.
 */
class ConcurrentPruneTest {
    @TempDir
    Path tmp;

    private Path tree(String name, long seed, int files) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(name));
        Random random = new Random(seed);
        for (int i = 0; i < files; i++) {
            FilesTestSupport.writeRandom(root.resolve("f" + i), random, 50_000 + random.nextInt(300_000));
        }
        return root;
    }

    private static long packs(Path repo) throws IOException {
        try (var walk = Files.walk(repo.resolve("data"))) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    /**
     * The dangerous interleaving, step by step: a backup loads the index, prune marks the packs it
     * is about to deduplicate against, the backup commits a snapshot that needs them. Prune must
     * defer while the backup's lease is alive, then keep (re-index) the packs the new snapshot needs.
     */
    @Test
    void aBackupThatDeduplicatesAgainstMarkedPacksKeepsThem() throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Path source = tree("src", 1, 8);
        Snapshot first = FilesTestSupport.backup(repoDir, source, null).snapshot();
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            repo.deleteSnapshot(first.id());   // everything is garbage now
        }
        long packsBefore = packs(repoDir);

        try (Repository writer = FilesTestSupport.open(repoDir)) {   // lease taken, old index loaded
            try (Repository pruner = FilesTestSupport.open(repoDir)) {
                Pruner.Result result = new Pruner(pruner).execute(new Pruner(pruner).plan(0.0));
                assertThat(result.packsMarked()).isEqualTo((int) packsBefore);
                assertThat(result.packsDeleted()).as("the writer's lease predates the mark").isZero();
                assertThat(result.sweep().waitingOn()).singleElement().asString().contains("wait for 1 lease");
            }
            assertThat(packs(repoDir)).isEqualTo(packsBefore);
            // The writer deduplicates everything against the index it loaded before the mark.
            Archiver.Result again = new Archiver(writer, FilesTestSupport.options()).backup(List.of(source), null);
            assertThat(again.snapshot().summary().newBlobs()).as("nothing new stored").isZero();
            // Committed is restorable at once: no index lists the marked packs now, yet readers find
            // the snapshot's blobs in them (docs/repository-format.md, "Prune", reader rule).
            assertRestorable(repoDir, again.snapshot(), source, "restored-before-sweep");
        }
        assertRestorable(repoDir, null, source, "restored-after-writer");
        try (Repository pruner = FilesTestSupport.open(repoDir)) {
            Pruner.Result result = new Pruner(pruner).execute(new Pruner(pruner).plan(0.0));
            assertThat(result.sweep().packsResurrected()).isPositive();
            assertThat(result.sweep().marksWaiting()).isZero();
        }
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
            Snapshot latest = repo.findSnapshot("latest");
            Path target = tmp.resolve("restored");
            FilesTestSupport.restore(repoDir, latest, target, List.of());
            assertThat(TreeFingerprint.differences(TreeFingerprint.of(source), TreeFingerprint.of(target.resolve(source.getFileName().toString()))))
                    .isEmpty();
        }
    }

    /** verify finds nothing missing, and the snapshot (latest when null) restores equal to {@code source}. */
    private void assertRestorable(Path repoDir, Snapshot snapshot, Path source, String targetName) throws Exception {
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(new Verifier(repo, 2).verify(0.0).errors()).as("verify before the sweep").isEmpty();
            Snapshot s = snapshot == null ? repo.findSnapshot("latest") : snapshot;
            Path target = tmp.resolve(targetName);
            FilesTestSupport.restore(repoDir, s, target, List.of());
            assertThat(TreeFingerprint.differences(TreeFingerprint.of(source), TreeFingerprint.of(target.resolve(source.getFileName().toString()))))
                    .isEmpty();
        }
    }

    @Test
    void withoutConcurrentLeasesPruneDeletesInOneRun() throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Snapshot first = FilesTestSupport.backup(repoDir, tree("a", 2, 6), null).snapshot();
        FilesTestSupport.backup(repoDir, tree("b", 3, 2), null);
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            repo.deleteSnapshot(first.id());
            Pruner.Result result = new Pruner(repo).execute(new Pruner(repo).plan(0.0));
            assertThat(result.packsDeleted()).isPositive().isEqualTo(result.packsMarked());
            assertThat(result.sweep().marksWaiting()).isZero();
            assertThat(Files.list(repoDir.resolve("prune")).count()).as("marks removed").isZero();
        }
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
        }
    }

    /**
     * The WAL agent holds a lease for days but never reuses blobs: prune must not wait for it (or
     * nothing would ever be deleted while it runs), while a backup's lease does hold prune back.
     */
    @Test
    void theWalAgentsLeaseDoesNotHoldPruneBack() throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Snapshot first = FilesTestSupport.backup(repoDir, tree("a", 4, 4), null).snapshot();
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            repo.deleteSnapshot(first.id());
        }
        try (Repository agent = Repository.openWithoutIndex(new dr.summit.repository.store.LocalDirectoryStore(repoDir),
                FilesTestSupport.PASSWORD)) {
            agent.takeLease("summit-dr agent", false);
            try (Repository pruner = FilesTestSupport.open(repoDir)) {
                Pruner.Result result = new Pruner(pruner).execute(new Pruner(pruner).plan(0.0));
                assertThat(result.packsDeleted()).isPositive().isEqualTo(result.packsMarked());
                assertThat(result.sweep().marksWaiting()).isZero();
            }
        }
    }

    /** Backups in two threads and forget+prune in a third, in a loop; then every snapshot restores. */
    @Test
    void backupsAndPrunesRunningTogetherLoseNothing() throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        Map<String, Map<String, String>> expected = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            writers.add(pool.submit(() -> {
                Random random = new Random(100 + writer);
                for (int round = 0; round < 6; round++) {
                    try {
                        Path src = tmp.resolve("w" + writer + "-" + round);
                        Files.createDirectories(src);
                        // Some files shared across rounds and writers (dedup), some new each round.
                        for (int i = 0; i < 3; i++) {
                            FilesTestSupport.writeRandom(src.resolve("shared" + i), new Random(7 + i), 200_000);
                        }
                        for (int i = 0; i < 3; i++) {
                            FilesTestSupport.writeRandom(src.resolve("own" + i), random, 100_000 + random.nextInt(200_000));
                        }
                        Snapshot s = FilesTestSupport.backup(repoDir, src, null).snapshot();
                        expected.put(s.id(), TreeFingerprint.of(src));
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            }));
        }
        Future<?> pruning = pool.submit(() -> {
            while (!stop.get()) {
                try (Repository repo = FilesTestSupport.open(repoDir)) {
                    List<Snapshot> all = repo.listSnapshots();
                    for (int i = 0; i + 3 < all.size(); i++) {
                        repo.deleteSnapshot(all.get(i).id());
                        expected.remove(all.get(i).id());
                    }
                    new Pruner(repo).execute(new Pruner(repo).plan(0.0));
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        });
        for (Future<?> f : writers) {
            f.get(5, TimeUnit.MINUTES);
        }
        stop.set(true);
        pruning.get(5, TimeUnit.MINUTES);
        pool.shutdown();
        assertThat(failures).isEmpty();

        try (Repository repo = FilesTestSupport.open(repoDir)) {
            Pruner.Result last = new Pruner(repo).execute(new Pruner(repo).plan(0.0));
            assertThat(last.sweep().marksWaiting()).isZero();
        }
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
            List<Snapshot> remaining = repo.listSnapshots();
            assertThat(remaining).isNotEmpty();
            for (Snapshot s : remaining) {
                Path target = tmp.resolve("restore-" + s.id());
                FilesTestSupport.restore(repoDir, s, target, List.of());
                Path root;
                try (var children = Files.list(target)) {
                    root = children.findFirst().orElseThrow();
                }
                assertThat(TreeFingerprint.differences(expected.get(s.id()), TreeFingerprint.of(root))).as(s.id()).isEmpty();
            }
        }
    }
}
