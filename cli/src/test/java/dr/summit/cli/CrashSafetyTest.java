package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.cli.CliTestSupport.Run;
import dr.summit.files.backup.Archiver;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.files.restore.RestoreResult;
import dr.summit.files.restore.Restorer;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup that stops anywhere — a store call failing, or the process killed with SIGKILL — leaves
 * a repository that verifies clean, holds no snapshot for the run, and lets the next backup
 * succeed, reuse what was already stored, and restore identically.
 */
class CrashSafetyTest {
    private static final String PASSWORD = "crash safety password";
    private static final Repository.InitOptions FAST = new Repository.InitOptions(
            new ChunkerParams(64 * 1024, 128 * 1024, 512 * 1024), 1024 * 1024, Compression.ZSTD, 3,
            new Argon2Params(64, 1, 1));

    @TempDir
    Path tmp;

    @BeforeEach
    void noEnvironment() {
        RepositoryOptions.env = name -> null;
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    // ---------------------------------------------------------------- (a) a failing store call at every position

    @Test
    void backupFailingAtEveryStoreCallLeavesAConsistentRepositoryThatTheNextBackupReuses() throws Exception {
        Path source = tmp.resolve("source");
        Random random = new Random(11);
        for (int i = 0; i < 7; i++) {
            writeRandom(source.resolve("dir-" + (i % 3) + "/file-" + i + ".bin"), random, 250_000 + 100_000 * i);
        }
        Files.writeString(source.resolve("small.txt"), "small\n");
        Map<String, String> expected = TreeFingerprint.of(source);
        // One reader and one worker: blobs reach packs in the same order every run, so the put count is stable.
        Archiver.Options options = Archiver.Options.defaults("crash-host", "tester", "summit-dr test").withThreads(1, 1);

        Path cleanDir = tmp.resolve("clean");
        init(cleanDir);
        // Every call the backup makes (puts, gets, lists, heads, deletes), counted once the repository is open.
        AtomicInteger cleanCalls = new AtomicInteger();
        AtomicInteger cleanPuts = new AtomicInteger();
        boolean[] counting = {false};
        Snapshot.Summary clean;
        try (Repository repo = Repository.open(new LocalDirectoryStore(cleanDir, (call, name) -> {
            if (counting[0] && backupObject(name)) {
                cleanCalls.incrementAndGet();
                if (call == StoreFaults.Call.PUT) {
                    cleanPuts.incrementAndGet();
                }
            }
        }), PASSWORD.toCharArray())) {
            counting[0] = true;
            clean = new Archiver(repo, options).backup(List.of(source), null).snapshot().summary();
        }
        int puts = cleanCalls.get();
        assertThat(cleanPuts.get()).as("data packs, a tree pack, an index file and the snapshot").isGreaterThanOrEqualTo(6);
        assertThat(puts).as("store calls of the backup").isGreaterThan(cleanPuts.get());

        List<String> reuse = new ArrayList<>();
        for (int n = 1; n <= puts; n++) {
            Path dir = tmp.resolve("repo-" + n);
            init(dir);
            int failAt = n;
            AtomicInteger count = new AtomicInteger();
            boolean[] armed = {false};
            StoreFaults faults = (call, name) -> {
                if (armed[0] && backupObject(name) && count.incrementAndGet() == failAt) {
                    throw new StoreException("injected failure at call " + failAt + " (" + call + " " + name + ")");
                }
            };
            try (Repository repo = Repository.open(new LocalDirectoryStore(dir, faults), PASSWORD.toCharArray())) {
                armed[0] = true;
                assertThatThrownBy(() -> new Archiver(repo, options).backup(List.of(source), null))
                        .as("backup failing at call %d of %d", n, puts)
                        .hasStackTraceContaining("injected failure at call " + n + " ");
            }

            try (Repository repo = open(dir)) {
                assertThat(repo.listSnapshots()).as("snapshots after failing at call %d", n).isEmpty();
                Verifier.Report report = new Verifier(repo, 2).verify(1.0);
                assertThat(report.errors()).as("verify after failing at call %d", n).isEmpty();

                int packsLeft = repo.store().list("data/").size();
                int adopted = repo.indexUnindexedPacks();
                Snapshot.Summary next = new Archiver(repo, options).backup(List.of(source), null).snapshot().summary();
                reuse.add("call " + n + ": " + packsLeft + " packs left, " + adopted + " adopted, " + next.newBytes() + " of "
                        + clean.newBytes() + " bytes stored again");
                assertThat(adopted).isLessThanOrEqualTo(packsLeft);
                if (packsLeft > 0) {
                    assertThat(next.newBytes()).as("the next backup reuses the %d packs of the failed one (call %d)", packsLeft, n)
                            .isLessThan(clean.newBytes());
                }
                assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
            }
            assertRestoresTo(dir, expected, tmp.resolve("restore-" + n));
        }
        reuse.forEach(line -> System.out.println("CrashSafetyTest: " + line));
        assertThat(reuse).as("the failed runs that stored packs").anyMatch(line -> !line.contains(": 0 packs left"));
    }

    // ---------------------------------------------------------------- (b) kill -9 at random moments

    @Test
    void backupKilledAtRandomMomentsNeverDamagesTheRepository() throws Exception {
        // About 50 MB of incompressible data, backed up by a separate JVM as the launcher runs it.
        Path source = tmp.resolve("big");
        Random data = new Random(3);
        for (int i = 0; i < 25; i++) {
            writeRandom(source.resolve("part-" + (i % 5) + "/blob-" + i + ".bin"), data, 2 * 1024 * 1024);
        }
        Path repo = tmp.resolve("repo");
        Path pw = passwordFile(tmp.resolve("password"), PASSWORD);
        ok(repo, pw, "init", FAST_INIT);

        Random random = new Random(20260515);
        int runs = 5 + random.nextInt(4);
        int killed = 0;
        int maxDelay = 2500;
        List<String> log = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            if (i > 0) {
                // New content every run (6 of the 25 files), so every run has packs to write when it is killed.
                for (int k = 0; k < 6; k++) {
                    int f = random.nextInt(25);
                    writeRandom(source.resolve("part-" + (f % 5) + "/blob-" + f + ".bin"), data, 2 * 1024 * 1024);
                }
            }
            long delay = 250 + random.nextInt(maxDelay - 250);
            Path output = tmp.resolve("backup-" + i + ".log");
            long started = System.nanoTime();
            Process p = new ProcessBuilder(CliTestSupport.javaCommand("backup", "--repo", repo.toString(), "--password-file", pw.toString(),
                    "--workers", "1", source.toString()))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (p.waitFor(delay, TimeUnit.MILLISECONDS)) {
                long took = (System.nanoTime() - started) / 1_000_000;
                assertThat(p.exitValue()).as("backup run %d finished on its own:\n%s", i, Files.readString(output)).isZero();
                log.add("run " + i + ": finished in " + took + " ms, before the kill at " + delay + " ms");
                // A fast machine: aim the next kills inside the time a run takes.
                maxDelay = (int) Math.max(400, took * 9 / 10);
            } else {
                p.destroyForcibly();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                killed++;
                log.add("run " + i + ": killed after " + delay + " ms, " + packCount(repo) + " packs in the store");
            }
            Run verify = CliTestSupport.run(repo, pw, "verify", "--read-data");
            assertThat(verify.exit()).as("verify --read-data after %s\n%s", log, verify).isZero();
        }
        log.forEach(line -> System.out.println("CrashSafetyTest: " + line));
        assertThat(killed).as("runs killed mid-backup: %s", log).isGreaterThanOrEqualTo(3);

        int packsBefore = packCount(repo);
        JsonNode last = ok(repo, pw, "backup", source.toString(), "--json").json();
        long total = last.get("summary").get("totalBytes").asLong();
        if (packsBefore > 0) {
            assertThat(last.get("summary").get("newBytes").asLong()).as("%s; then %s", log, last).isLessThan(total);
        }
        Path target = tmp.resolve("restore");
        ok(repo, pw, "restore", "latest", "--target", target.toString());
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(source), TreeFingerprint.of(target.resolve("big")))).isEmpty();
        assertThat(ok(repo, pw, "verify", "--read-data").out()).endsWith("no errors\n");
    }

    // ---------------------------------------------------------------- helpers

    private static void init(Path dir) {
        Repository.init(new LocalDirectoryStore(dir), PASSWORD.toCharArray(), FAST).close();
    }

    private static Repository open(Path dir) {
        return Repository.open(new LocalDirectoryStore(dir), PASSWORD.toCharArray());
    }

    private static void assertRestoresTo(Path repoDir, Map<String, String> expected, Path target) throws Exception {
        try (Repository repo = open(repoDir)) {
            List<Snapshot> snapshots = repo.listSnapshots();
            assertThat(snapshots).hasSize(1);
            RestoreResult r = new Restorer(repo, Restorer.Options.defaults().withVerify(true)).restore(snapshots.get(0), target);
            assertThat(r.failures()).isEmpty();
        }
        assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("source")))).isEmpty();
    }

    private static int packCount(Path repo) {
        return new LocalDirectoryStore(repo).list("data/").size();
    }


    /** The objects a backup writes (not the lease and last-used marker every open writes, whose failure is only a warning). */
    private static boolean backupObject(String name) {
        return !name.startsWith("leases/") && !name.startsWith("keys/used/");
    }
}
