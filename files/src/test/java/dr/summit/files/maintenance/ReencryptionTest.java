package dr.summit.files.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.files.FilesTestSupport;
import dr.summit.files.fs.TreeFingerprint;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.crypto.Credentials;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.AgeKeys;
import dr.summit.repository.keys.EpochUsage;
import dr.summit.repository.keys.Reencryptor;
import dr.summit.repository.maintenance.Verifier;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.pack.PackReader;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation: after a leaked slot is removed and the repository re-encrypted, someone holding a
 * copy of keys/ from before and the removed slot's secret can read nothing at all.
 */
class ReencryptionTest {
    @TempDir
    Path tmp;

    private Path tree(String name, long seed) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(name));
        Random random = new Random(seed);
        for (int i = 0; i < 5; i++) {
            FilesTestSupport.writeRandom(root.resolve("f" + i), random, 100_000 + random.nextInt(300_000));
        }
        return root;
    }

    /**
     * A sealed log (the growing WAL segment of a receiver) is rewritten under the new key only once
     * no process from before the rotation is alive: until then its writer may still append to it,
     * and the retired key stays, named as blocked by that process's lease.
     */
    @Test
    void aSealedLogIsReencryptedOnlyOnceItsWriterIsGone() throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        String log = "pg/main/wal-stream/000000010000000000000001.log-00112233aabbccdd";
        try (Repository writer = FilesTestSupport.open(repoDir)) {
            writer.takeLease("summit-dr pg stream");
            try (var appender = writer.createSealedLog(log, true)) {
                appender.append(new byte[]{1, 2, 3});
                appender.sync();
                Reencryptor.Result blocked;
                try (Repository admin = FilesTestSupport.open(repoDir)) {
                    admin.keys().rotate();
                    blocked = new Reencryptor(admin).run();
                }
                assertThat(blocked.destroyedEpochs()).isEmpty();
                assertThat(blocked.blockers()).anySatisfy(b -> assertThat(b).contains("started before the rotation"));
                appender.append(new byte[]{4});   // the writer goes on under the old key, unharmed
                appender.sync();
            }
        }
        Reencryptor.Result done;
        try (Repository admin = FilesTestSupport.open(repoDir)) {
            done = new Reencryptor(admin).run();
            assertThat(done.blockers()).isEmpty();
            assertThat(done.sealedObjectsRewritten()).isEqualTo(1);
            assertThat(admin.readSealedLog(log)).containsExactly(new byte[]{1, 2, 3}, new byte[]{4});
            assertThat(SealedObject.header(admin.store().getRange(log, 0, SealedObject.HEADER_BYTES), log).epoch())
                    .isEqualTo(admin.keyring().currentEpoch());
        }
    }

    @Test
    void afterReencryptionAStolenKeysCopyAndARemovedSlotOpenNothing() throws Exception {
        Path repoDir = tmp.resolve("repo");
        FilesTestSupport.init(repoDir);
        AgeKeys.KeyPair leaked = AgeKeys.generate();
        String leakedSlot;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            leakedSlot = repo.keys().addSlot(KeySlot.age(leaked.recipient(), "stolen laptop", Instant.now())).id();
        }
        Path before = tree("before", 1);
        FilesTestSupport.backup(repoDir, before, null);
        Path stolenKeys = tmp.resolve("stolen");
        FilesTestSupport.copyTree(repoDir.resolve("keys"), stolenKeys);

        Path after = tree("after", 2);
        Reencryptor.Result result;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            repo.keys().removeSlot(leakedSlot, true);
            new dr.summit.files.backup.Archiver(repo, FilesTestSupport.options()).backup(List.of(after), null);
            result = new Reencryptor(repo).run();
        }
        assertThat(result.blockers()).isEmpty();
        assertThat(result.retiredEpochs()).hasSize(1);
        assertThat(result.destroyedEpochs()).isEqualTo(result.retiredEpochs());
        assertThat(result.packsRewritten()).isPositive();
        assertThat(result.sealedObjectsRewritten()).as("the first snapshot").isPositive();

        Map<String, Snapshot> byPath;
        try (Repository repo = FilesTestSupport.open(repoDir)) {
            assertThat(repo.keyring().epochs()).hasSize(1);
            assertThat(repo.keyring().destroyed()).containsOnlyKeys(result.retiredEpochs());
            assertThat(new Verifier(repo, 2).verify(1.0).errors()).isEmpty();
            byPath = Map.of("before", repo.listSnapshots().get(0), "after", repo.listSnapshots().get(1));
        }
        for (var e : byPath.entrySet()) {
            Path target = tmp.resolve("restore-" + e.getKey());
            FilesTestSupport.restore(repoDir, e.getValue(), target, List.of());
            Path source = e.getKey().equals("before") ? before : after;
            assertThat(TreeFingerprint.differences(TreeFingerprint.of(source), TreeFingerprint.of(target.resolve(e.getKey())))).isEmpty();
        }

        // The attacker combines the stolen keys/ with today's data.
        FilesTestSupport.deleteTree(repoDir.resolve("keys"));
        FilesTestSupport.copyTree(stolenKeys, repoDir.resolve("keys"));
        try (Repository attacker = Repository.openWithoutIndex(new LocalDirectoryStore(repoDir),
                Credentials.age(AgeIdentities.parse(leaked.identity().clone())))) {
            Set<Integer> known = attacker.keyring().epochs().keySet();
            // Every index file is under a key the stolen keyring lacks: each is skipped and named, nothing is read.
            attacker.loadIndex();
            assertThat(attacker.index().size()).isZero();
            assertThat(attacker.damagedIndexNames()).containsExactlyInAnyOrderElementsOf(attacker.store().list("index/"));
            assertThat(attacker.damagedIndexFiles()).allMatch(m -> m.contains("keyring never had"));
            for (String name : EpochUsage.sealedObjectNames(attacker)) {
                int epoch = SealedObject.header(attacker.store().getRange(name, 0, SealedObject.HEADER_BYTES), name).epoch();
                assertThat(known).as(name).doesNotContain(epoch);
            }
            for (String name : attacker.store().list("data/")) {
                long size = attacker.store().size(name);
                int epoch = PackReader.footer(attacker.store().getRange(name, size - PackFormat.FOOTER_BYTES, PackFormat.FOOTER_BYTES),
                        name, size).epoch();
                assertThat(known).as(name).doesNotContain(epoch);
            }
            for (Snapshot s : List.copyOf(byPath.values())) {
                assertThatThrownBy(() -> attacker.loadSnapshot(s.id())).isInstanceOf(RepositoryException.class);
            }
        }
    }

    /** A re-encryption failing at any one store call loses nothing; running it again finishes it. */
    @Test
    void reencryptionFailingAtEveryStoreCallIsResumable() throws Exception {
        Path template = tmp.resolve("template");
        FilesTestSupport.init(template);
        Path source = tree("src", 3);
        FilesTestSupport.backup(template, source, null);
        try (Repository repo = FilesTestSupport.open(template)) {
            repo.keys().rotate();
        }
        var expected = TreeFingerprint.of(source);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        boolean[] counting = {false};
        Path probe = tmp.resolve("probe");
        FilesTestSupport.copyTree(template, probe);
        try (Repository repo = Repository.open(new LocalDirectoryStore(probe, (call, name) -> {
            if (counting[0]) {
                calls.incrementAndGet();
            }
        }), FilesTestSupport.PASSWORD)) {
            counting[0] = true;
            assertThat(new Reencryptor(repo).run().complete()).isTrue();
        }
        int total = calls.get();
        assertThat(total).isGreaterThan(20);
        for (int failAt = 1; failAt <= total; failAt += 2) {
            Path dir = tmp.resolve("fail-" + failAt);
            FilesTestSupport.copyTree(template, dir);
            int n = failAt;
            java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
            boolean[] armed = {false};
            try (Repository repo = Repository.open(new LocalDirectoryStore(dir, (call, name) -> {
                if (armed[0] && count.incrementAndGet() == n) {
                    throw new dr.summit.repository.store.StoreException("injected " + call + " failure at call " + n + " (" + name + ")");
                }
            }), FilesTestSupport.PASSWORD)) {
                armed[0] = true;
                new Reencryptor(repo).run();
            } catch (dr.summit.repository.store.StoreException injected) {
                assertThat(injected.getMessage()).contains("injected");
            }
            FilesTestSupport.deleteTree(dir.resolve("leases"));   // what a crash leaves expires; here it is removed
            try (Repository repo = FilesTestSupport.open(dir)) {
                Reencryptor.Result again = new Reencryptor(repo).run();
                assertThat(again.blockers()).as("after failing at call %d", n).isEmpty();
            }
            try (Repository repo = FilesTestSupport.open(dir)) {
                assertThat(repo.keyring().epochs()).as("after failing at call %d", n).hasSize(1);
                assertThat(new Verifier(repo, 2).verify(1.0).errors()).as("after failing at call %d", n).isEmpty();
            }
            Path target = tmp.resolve("restore-" + n);
            try (Repository repo = FilesTestSupport.open(dir)) {
                FilesTestSupport.restore(dir, repo.findSnapshot("latest"), target, List.of());
            }
            assertThat(TreeFingerprint.differences(expected, TreeFingerprint.of(target.resolve("src")))).as("after failing at call %d", n).isEmpty();
            FilesTestSupport.deleteTree(dir);
        }
    }

}
