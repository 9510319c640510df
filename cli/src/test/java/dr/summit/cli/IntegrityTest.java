package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.regularFiles;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.cli.CliTestSupport.Run;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21's reproductions through the CLI: nothing committed is lost or hidden — not by a
 * concurrent prune, not by a damaged snapshot object, not by files from another repository — and a
 * killed prune does not hold the next one back.
 */
class IntegrityTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;

    @BeforeEach
    void setUp() throws IOException {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), "integrity test password");
        ok(repo, pw, "init", FAST_INIT);
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    private String backup(Path source) {
        return ok(repo, pw, "backup", source.toString(), "--json").json().get("snapshot").asText();
    }

    private void assertRestores(String snapshot, Path source, String... extra) throws IOException {
        Path target = tmp.resolve("restore-" + snapshot.substring(0, Math.min(8, snapshot.length())) + "-" + System.nanoTime());
        List<String> args = new ArrayList<>(List.of(snapshot, "--target", target.toString()));
        args.addAll(List.of(extra));
        ok(repo, pw, "restore", args.toArray(String[]::new));
        assertThat(regularFiles(target.resolve(source.getFileName().toString()))).as("restored %s", snapshot)
                .containsExactlyInAnyOrderEntriesOf(regularFiles(source));
    }

    private List<String> packs() throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            return s.filter(Files::isRegularFile).map(p -> repo.relativize(p).toString()).sorted().toList();
        }
    }

    /**
     * The reported race: back up c1/a, copy it to c2, forget the first snapshot, then back up c1
     * and c2 while a prune runs — no delay, several seeded rounds. After every round, verify
     * finds nothing missing and every snapshot restores byte for byte, before any later prune.
     */
    @Test
    void backupsRacingAPruneCommitOnlyRestorableSnapshots() throws Exception {
        raceBackupsAgainstPrune(repo.toString(), pw, tmp, 6);
    }

    /** The race above against any repository location (S3CliTest runs it on S3). */
    static void raceBackupsAgainstPrune(String location, Path pw, Path tmp, int rounds) throws Exception {
        Random random = new Random(2026_12_06);
        Path c1 = tmp.resolve("c1");
        Path c2 = tmp.resolve("c2");
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < rounds; round++) {
                writeRandom(c1.resolve("a"), random, 3_000_000 + random.nextInt(1_000_000));
                String first = command(location, pw, "backup", c1.toString(), "--json").json().get("snapshot").asText();
                Files.createDirectories(c2);
                Files.copy(c1.resolve("a"), c2.resolve("shared-" + round));
                writeRandom(c1.resolve("added-" + round), random, 200_000);
                command(location, pw, "forget", first);

                List<Future<Run>> runs = List.of(
                        pool.submit(() -> run(withRepo(location, pw, "backup", c1.toString(), "--json"))),
                        pool.submit(() -> run(withRepo(location, pw, "backup", c2.toString(), "--json"))),
                        pool.submit(() -> run(withRepo(location, pw, "prune", "--max-unused", "0%"))));
                List<String> created = new ArrayList<>();
                for (int i = 0; i < runs.size(); i++) {
                    Run r = runs.get(i).get(5, TimeUnit.MINUTES);
                    assertThat(r.exit()).as("round %d, command %d: %s", round, i, r).isZero();
                    if (i < 2) {
                        created.add(r.json().get("snapshot").asText());
                    }
                }
                Run verify = run(withRepo(location, pw, "verify"));
                assertThat(verify.exit()).as("round %d: verify right after the race: %s", round, verify).isZero();
                for (int i = 0; i < 2; i++) {
                    Path source = i == 0 ? c1 : c2;
                    Path target = tmp.resolve("race-" + round + "-" + i);
                    command(location, pw, "restore", created.get(i), "--target", target.toString());
                    assertThat(regularFiles(target.resolve(source.getFileName().toString()))).as("round %d, snapshot %s", round, created.get(i))
                            .containsExactlyInAnyOrderEntriesOf(regularFiles(source));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        command(location, pw, "prune", "--max-unused", "0%");
        assertThat(command(location, pw, "verify", "--read-data").out()).endsWith("no errors\n");
    }

    private static String[] withRepo(String location, Path pw, String command, String... rest) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.addAll(List.of("--repo", location, "--password-file", pw.toString()));
        args.addAll(List.of(rest));
        return args.toArray(String[]::new);
    }

    private static Run command(String location, Path pw, String command, String... rest) {
        Run r = run(withRepo(location, pw, command, rest));
        assertThat(r.exit()).as("%s %s: %s", command, String.join(" ", rest), r).isZero();
        return r;
    }

    /** Flip one byte in the middle of the newest snapshot object: it is never silently skipped. */
    @Test
    void aDamagedSnapshotIsListedStopsSelectionsAndPruneAndIsRepaired() throws Exception {
        Random random = new Random(21);
        Path older = tmp.resolve("older");
        writeRandom(older.resolve("o.bin"), random, 400_000);
        Path newer = tmp.resolve("newer");
        writeRandom(newer.resolve("n.bin"), random, 900_000);
        String olderId = backup(older);
        String newerId = backup(newer);
        Path object = repo.resolve("snapshots/" + newerId);
        flipByte(object, Files.size(object) / 2);
        List<String> packsBefore = packs();

        Run list = run(repo, pw, "snapshots");
        assertThat(list.exit()).as(list.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(list.out()).contains(newerId.substring(0, 8) + "  DAMAGED");
        Run latest = run(repo, pw, "restore", "latest", "--target", tmp.resolve("t").toString());
        assertThat(latest.exit()).as(latest.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(latest.err()).contains("snapshots/" + newerId);
        assertThat(tmp.resolve("t")).doesNotExist();

        Run prune = run(repo, pw, "prune");
        assertThat(prune.exit()).as(prune.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(prune.err()).contains("cannot prune", "snapshots/" + newerId);
        Run forget = run(repo, pw, "forget", "--keep-last", "1", "--prune");
        assertThat(forget.exit()).as(forget.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(packs()).as("nothing deleted").isEqualTo(packsBefore);
        assertThat(run(repo, pw, "verify").out()).contains("snapshots/" + newerId);

        // With the explicit choice, the readable snapshot is selectable, and prune keeps what the
        // damaged one might need (here: everything, since both snapshots' data are live or unknown).
        assertRestores("latest", older, "--skip-damaged");
        Run skipping = run(repo, pw, "prune", "--skip-damaged", "--max-unused", "0%");
        assertThat(skipping.exit()).as(skipping.toString()).isZero();
        assertThat(packs()).as("the damaged snapshot's data is kept").isEqualTo(packsBefore);

        Run repair = ok(repo, pw, "repair snapshots");
        assertThat(repair.out()).contains("recover tree", "move aside: quarantine/snapshots/" + newerId,
                "cannot recover: snapshots/" + newerId);
        assertThat(repo.resolve("quarantine/snapshots/" + newerId)).exists();
        assertThat(run(repo, pw, "snapshots").exit()).isZero();
        assertThat(ok(repo, pw, "snapshots", "--json").json().get(1).get("tags").toString()).contains("recovered");
        assertRestores("latest", newer);   // the recovered snapshot is the newest
        assertRestores(olderId, older);
        ok(repo, pw, "prune", "--max-unused", "0%");
        assertRestores("latest", newer);
        assertThat(ok(repo, pw, "verify", "--read-data").out()).endsWith("no errors\n");
    }

    /** Files of another repository and stray copies are named, skipped and moved aside, never fatal. */
    @Test
    void foreignAndStrayFilesAreNamedSkippedAndMovedAside() throws Exception {
        Random random = new Random(3);
        Path ours = tmp.resolve("ours");
        writeRandom(ours.resolve("mine.bin"), random, 600_000);
        String mine = backup(ours);

        Path otherRepo = tmp.resolve("other");
        ok(otherRepo, pw, "init", FAST_INIT);
        Path theirs = tmp.resolve("theirs");
        writeRandom(theirs.resolve("theirs.bin"), random, 500_000);
        String foreignSnapshot = ok(otherRepo, pw, "backup", theirs.toString(), "--json").json().get("snapshot").asText();
        Files.copy(otherRepo.resolve("snapshots/" + foreignSnapshot), repo.resolve("snapshots/" + foreignSnapshot));
        String foreignIndex = onlyFile(otherRepo, "index");
        Files.copy(otherRepo.resolve(foreignIndex), repo.resolve(foreignIndex));
        String foreignPack = anyFile(otherRepo, "data");
        Files.createDirectories(repo.resolve(foreignPack).getParent());
        Files.copy(otherRepo.resolve(foreignPack), repo.resolve(foreignPack));
        Files.copy(repo.resolve("snapshots/" + mine), repo.resolve("snapshots/" + mine + "~"));

        Run list = run(repo, pw, "snapshots");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.err()).contains("snapshots/" + foreignSnapshot, "snapshots/" + mine + "~");
        Run backup = run(repo, pw, "backup", ours.toString());
        assertThat(backup.exit()).as(backup.toString()).isZero();
        assertThat(backup.err()).contains(foreignIndex, foreignPack);
        assertRestores(mine, ours);
        assertRestores("latest", ours);

        // Deleting data on a guess is not allowed: a damaged header looks foreign too.
        Run prune = run(repo, pw, "prune");
        assertThat(prune.exit()).as(prune.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(prune.err()).contains("snapshots/" + foreignSnapshot);

        Run repairIndex = ok(repo, pw, "repair-index");
        assertThat(repairIndex.out()).contains("moved aside: quarantine/" + foreignIndex, "moved aside: quarantine/" + foreignPack);
        Run repairSnapshots = ok(repo, pw, "repair snapshots");
        assertThat(repairSnapshots.out()).contains("quarantine/snapshots/" + foreignSnapshot, "quarantine/snapshots/" + mine + "~");
        Run clean = ok(repo, pw, "snapshots");
        assertThat(clean.err()).isEmpty();
        ok(repo, pw, "prune");
        assertRestores("latest", ours);
        assertThat(ok(repo, pw, "verify", "--read-data").out()).endsWith("no errors\n");
    }

    /** kill -9 of a prune at random moments after it took its lease; the next prune goes ahead at once. */
    @Test
    void aKilledPruneDoesNotBlockTheNextOne() throws Exception {
        Random random = new Random(7);
        Path source = tmp.resolve("src");
        int released = 0;
        // Until three kills landed while the prune held its lease (a prune of this size takes a
        // fraction of a second, so some kills come too late; those rounds still must pass).
        for (int round = 0; round < 10 && released < 3; round++) {
            for (int i = 0; i < 12; i++) {
                writeRandom(source.resolve("f" + i), random, 1_500_000);
            }
            backup(source);
            Process p = new ProcessBuilder(CliTestSupport.javaCommand("forget", "--repo", repo.toString(), "--password-file",
                    pw.toString(), "--keep-last", "1", "--prune"))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prune-" + round + ".log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!holdsPruneLease() && p.isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Thread.sleep(random.nextInt(40));
            boolean finished = !p.isAlive();
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            if (finished) {
                assertThat(p.exitValue()).as("round %d: the prune finished before the kill:\n%s", round,
                        Files.readString(tmp.resolve("prune-" + round + ".log"))).isZero();
            }

            Run next = run(repo, pw, "prune", "--max-unused", "0%");
            assertThat(next.exit()).as("round %d: prune after a kill -9: %s", round, next).isZero();
            assertThat(next.err()).doesNotContain("another prune is running");
            if (next.err().contains("released the lease of 'prune'")) {
                released++;
            }
            assertRestores("latest", source);
        }
        assertThat(released).as("kills that landed while the prune held its lease").isGreaterThanOrEqualTo(3);
        assertThat(ok(repo, pw, "verify", "--read-data").out()).endsWith("no errors\n");
    }

    private boolean holdsPruneLease() throws IOException {
        Path leases = repo.resolve("leases");
        if (!Files.isDirectory(leases)) {
            return false;
        }
        try (Stream<Path> s = Files.list(leases)) {
            for (Path l : s.toList()) {
                try {
                    if (Files.readString(l).matches("(?s).*\"command\"\\s*:\\s*\"prune\".*")) {
                        return true;
                    }
                } catch (IOException gone) {
                    // released between list and read
                }
            }
        }
        return false;
    }

    private static String anyFile(Path repository, String dir) throws IOException {
        try (Stream<Path> s = Files.walk(repository.resolve(dir))) {
            return repository.relativize(s.filter(Files::isRegularFile).sorted().findFirst().orElseThrow()).toString();
        }
    }

    private static String onlyFile(Path repository, String dir) throws IOException {
        try (Stream<Path> s = Files.walk(repository.resolve(dir))) {
            List<Path> files = s.filter(Files::isRegularFile).toList();
            assertThat(files).hasSize(1);
            return repository.relativize(files.get(0)).toString();
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x40);
        }
    }
}
