package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.regularFiles;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.cli.CliTestSupport.Run;
import dr.summit.repository.Repository;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.maintenance.ReferenceWalker;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded damage of random repository files — a flipped byte, a truncation, a deletion, or the file
 * swapped for its counterpart from another repository — then every command that could report
 * success with wrong data is run. Whatever the damage: a restore that exits 0 matches its source
 * byte for byte (otherwise it fails with a message), verify never passes while a restore fails,
 * and prune never deletes a pack that a snapshot readable before the damage refers to.
 * {@code -Dsummit.fuzz.rounds=N} runs more rounds.
 */
class RepositoryDamageFuzzTest {
    private static final String PASSWORD = "damage fuzz password";

    @TempDir
    Path tmp;
    Path pw;
    Path pristine;
    Path foreign;
    final Map<String, Path> sources = new LinkedHashMap<>();   // snapshot id → source tree
    final Map<String, Set<String>> packsOf = new LinkedHashMap<>();   // snapshot id → pack object names it needs

    @BeforeEach
    void setUp() throws Exception {
        RepositoryOptions.env = name -> null;
        pw = passwordFile(tmp.resolve("password"), PASSWORD);
        pristine = tmp.resolve("pristine");
        foreign = tmp.resolve("foreign");
        ok(pristine, pw, "init", FAST_INIT);
        ok(foreign, pw, "init", FAST_INIT);
        Random random = new Random(99);
        Path shared = tmp.resolve("shared.bin");
        writeRandom(shared, random, 700_000);
        for (int i = 0; i < 3; i++) {
            Path src = tmp.resolve("src" + i);
            writeRandom(src.resolve("own.bin"), random, 300_000 + random.nextInt(600_000));
            Files.writeString(Files.createDirectories(src.resolve("docs")).resolve("note.txt"), "note " + i + "\n");
            Files.copy(shared, src.resolve("shared.bin"));
            String id = ok(pristine, pw, "backup", src.toString(), "--json").json().get("snapshot").asText();
            sources.put(id, src);
            ok(foreign, pw, "backup", src.toString());
        }
        // Garbage for prune to delete: a forgotten snapshot's own data.
        Path gone = tmp.resolve("forgotten");
        writeRandom(gone.resolve("old.bin"), random, 500_000);
        String forgotten = ok(pristine, pw, "backup", gone.toString(), "--json").json().get("snapshot").asText();
        ok(pristine, pw, "forget", forgotten);
        try (Repository repo = Repository.open(new LocalDirectoryStore(pristine), PASSWORD.toCharArray())) {
            for (Snapshot s : repo.listSnapshots()) {
                Set<String> packs = new HashSet<>();
                new ReferenceWalker(repo).walk(s, (snap, type, id, path) -> {
                    BlobLocation location = repo.index().find(id);
                    packs.add(PackFormat.objectName(location.packId()));
                });
                packsOf.put(s.id(), packs);
            }
        }
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    @Test
    void noCommandReportsSuccessWithWrongDataAndPruneKeepsWhatReadableSnapshotsNeed() throws Exception {
        int rounds = Integer.getInteger("summit.fuzz.rounds", 60);
        Random random = new Random(Long.getLong("summit.fuzz.seed", 20261206L));
        for (int round = 0; round < rounds; round++) {
            Path repo = tmp.resolve("round-" + round);
            copyTree(pristine, repo);
            String damage = damageOneFile(repo, random);
            String what = "round " + round + ": " + damage;

            Set<String> restoredOk = new HashSet<>();
            for (Map.Entry<String, Path> e : sources.entrySet()) {
                for (boolean skip : new boolean[]{false, true}) {
                    Path target = tmp.resolve("t-" + round + "-" + e.getKey().substring(0, 8) + "-" + skip);
                    List<String> args = new ArrayList<>(List.of(e.getKey(), "--target", target.toString()));
                    if (skip) {
                        args.add("--skip-damaged");
                    }
                    Run r = run(repo, pw, "restore", args.toArray(String[]::new));
                    if (r.exit() == 0) {
                        assertThat(regularFiles(target.resolve(e.getValue().getFileName().toString())))
                                .as("%s: restore %s exited 0", what, e.getKey())
                                .containsExactlyInAnyOrderEntriesOf(regularFiles(e.getValue()));
                        restoredOk.add(e.getKey());
                    } else {
                        assertThat(r.errLines()).as("%s: restore %s failed without saying why", what, e.getKey())
                                .anyMatch(line -> line.startsWith("summit-dr: "));
                        assertThat(r.err()).as("%s", what).doesNotContain("\tat ");
                    }
                    CliTestSupport.deleteRecursively(target);
                }
            }
            Run verify = run(repo, pw, "verify", "--read-data");
            if (verify.exit() == 0) {
                assertThat(restoredOk).as("%s: verify passed, so every snapshot must restore\n%s", what, verify)
                        .containsExactlyInAnyOrderElementsOf(sources.keySet());
            }

            Set<String> packsBefore = packs(repo);
            Set<String> readableBefore = readableSnapshots(repo);
            Run prune = run(repo, pw, "prune", "--max-unused", "0%");
            assertThat(prune.err()).as("%s: prune", what).doesNotContain("\tat ");
            Set<String> packsAfter = packs(repo);
            for (String snapshot : readableBefore) {
                for (String pack : packsOf.get(snapshot)) {
                    if (packsBefore.contains(pack)) {
                        assertThat(packsAfter).as("%s: prune (exit %d) deleted %s, which readable snapshot %s needs\n%s",
                                what, prune.exit(), pack, snapshot, prune).contains(pack);
                    }
                }
            }
            CliTestSupport.deleteRecursively(repo);
        }
    }

    /** Snapshot ids whose object is intact (same bytes as in the pristine copy). */
    private Set<String> readableSnapshots(Path repo) throws IOException {
        Set<String> intact = new HashSet<>();
        for (String id : sources.keySet()) {
            Path now = repo.resolve("snapshots/" + id);
            if (Files.exists(now) && java.util.Arrays.equals(Files.readAllBytes(now), Files.readAllBytes(pristine.resolve("snapshots/" + id)))) {
                intact.add(id);
            }
        }
        return intact;
    }

    private String damageOneFile(Path repo, Random random) throws IOException {
        List<Path> files = files(repo).stream().filter(p -> !p.startsWith(repo.resolve("leases"))).toList();
        Path victim = files.get(random.nextInt(files.size()));
        String name = repo.relativize(victim).toString();
        long size = Files.size(victim);
        int kind = random.nextInt(4);
        if (kind == 2 && name.startsWith("snapshots/")) {
            kind = 1;   // a deleted snapshot object is a forget, not damage
        }
        switch (kind) {
            case 0 -> {
                if (size == 0) {
                    return "nothing (empty " + name + ")";
                }
                long at = (long) (random.nextDouble() * size);
                IntegrityTest.flipByte(victim, at);
                return "flipped a byte of " + name + " at " + at;
            }
            case 1 -> {
                long to = size == 0 ? 0 : (long) (random.nextDouble() * size);
                try (var f = new java.io.RandomAccessFile(victim.toFile(), "rw")) {
                    f.setLength(to);
                }
                return "truncated " + name + " to " + to + " of " + size;
            }
            case 2 -> {
                Files.delete(victim);
                return "deleted " + name;
            }
            default -> {
                Path counterpart = counterpart(name, random);
                if (counterpart == null) {
                    Files.delete(victim);
                    return "deleted " + name + " (no foreign counterpart)";
                }
                Files.copy(counterpart, victim, StandardCopyOption.REPLACE_EXISTING);
                return "replaced " + name + " with the foreign " + foreign.relativize(counterpart);
            }
        }
    }

    /** A file of the same kind from the other repository: its config, a keyring, a snapshot, a pack… */
    private Path counterpart(String name, Random random) throws IOException {
        String dir = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
        String sub = name.startsWith("keys/") ? name.substring(0, name.indexOf('/', 5) + 1) : dir;
        List<Path> candidates = files(foreign).stream().filter(p -> foreign.relativize(p).toString().startsWith(sub)).toList();
        return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
    }

    private static Set<String> packs(Path repo) throws IOException {
        Set<String> packs = new HashSet<>();
        for (Path p : files(repo)) {
            String name = repo.relativize(p).toString();
            if (name.startsWith("data/")) {
                packs.add(name);
            }
        }
        return packs;
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
