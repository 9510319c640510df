package dr.summit.repository.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.BlobSaver;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.WrongKeyException;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.Credentials;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.crypto.envelope.AgeIdentities;
import dr.summit.repository.crypto.envelope.AgeKeys;
import dr.summit.repository.crypto.envelope.PgpKeys;
import dr.summit.repository.store.LocalDirectoryStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyManagerTest {
    private static final Repository.InitOptions FAST = new Repository.InitOptions(ChunkerParams.DEFAULT, 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    private static final char[] PASSWORD = "first holder".toCharArray();

    @TempDir
    Path dir;

    private LocalDirectoryStore store() {
        return new LocalDirectoryStore(dir);
    }

    private static BlobId save(Repository repo, String text) {
        try (BlobSaver saver = repo.newBlobSaver(1)) {
            BlobId id = saver.save(BlobType.DATA, text.getBytes(StandardCharsets.UTF_8)).id();
            saver.flush();
            return id;
        }
    }

    private static String load(Repository repo, BlobId id) {
        return new String(repo.loadBlob(BlobType.DATA, id), StandardCharsets.UTF_8);
    }

    @Test
    void ageAndPgpSlotsOpenTheRepositoryWithoutThePassword() throws IOException {
        AgeKeys.KeyPair age = AgeKeys.generate();
        PgpKeys.GeneratedKey pgp = PgpKeys.generate("DR <dr@example.org>", PgpKeys.Algorithm.ED25519, "kp".toCharArray(), new Date());
        BlobId blob;
        try (Repository repo = Repository.init(store(), PASSWORD, FAST)) {
            blob = save(repo, "written before the slots were added");
            repo.keys().addSlot(KeySlot.age(age.recipient(), "dr-site", Instant.now()));
            repo.keys().addSlot(KeySlot.pgp(pgp.armoredPublicKey(), "security team", Instant.now()));
            assertThat(repo.keys().slots()).extracting(s -> s.slot().kind()).containsExactly("passphrase", "age", "pgp");
        }
        try (Repository repo = Repository.open(store(), Credentials.age(AgeIdentities.parse(age.identity().clone())))) {
            assertThat(load(repo, blob)).isEqualTo("written before the slots were added");
            assertThat(repo.keys().slots().stream().filter(s -> s.slot().id().equals(repo.openedSlotId())).findFirst().orElseThrow()
                    .slot().kind()).isEqualTo("age");
        }
        var secret = PgpKeys.readSecretKeys(new ByteArrayInputStream(pgp.armoredSecretKey()));
        try (Repository repo = Repository.open(store(), Credentials.pgp(secret, "kp".toCharArray()))) {
            assertThat(load(repo, blob)).isEqualTo("written before the slots were added");
            // Every slot was used today.
            assertThat(repo.keys().slots()).allSatisfy(s -> assertThat(s.lastUsed()).isNotNull());
        }
        assertThatThrownBy(() -> Repository.open(store(), Credentials.pgp(secret, null)))
                .isInstanceOf(WrongKeyException.class).hasMessageContaining("protected");
        AgeKeys.KeyPair stranger = AgeKeys.generate();
        assertThatThrownBy(() -> Repository.open(store(), Credentials.age(AgeIdentities.parse(stranger.identity()))))
                .isInstanceOf(WrongKeyException.class)
                .hasMessageContaining("no key slot of " + dir + " opens with the age identity");
    }

    @Test
    void rotationStartsANewEpochAtOnceAndOldDataStaysReadable() {
        try (Repository repo = Repository.init(store(), PASSWORD, FAST)) {
            BlobId before = save(repo, "epoch one");
            int first = repo.keyring().currentEpoch();
            long start = System.nanoTime();
            Keyring next = repo.keys().rotate();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            assertThat(next.currentEpoch()).isNotEqualTo(first);
            BlobId after = save(repo, "epoch two");
            assertThat(repo.index().find(after).epoch()).isEqualTo(next.currentEpoch());
            assertThat(repo.index().find(before).epoch()).isEqualTo(first);
        }
        try (Repository repo = Repository.open(store(), PASSWORD)) {
            assertThat(repo.keyring().epochs()).hasSize(2);
            assertThat(store().list("keys/keyring/")).hasSize(1);
            assertThat(store().list("keys/wraps/")).hasSize(1);
        }
    }

    @Test
    void writesRotateWhenTheCurrentEpochIsOlderThanThePeriod() {
        try (Repository repo = Repository.init(store(), PASSWORD, FAST)) {
            repo.keys().rotate(Instant.now().minus(Duration.ofDays(91)));
        }
        try (Repository repo = Repository.open(store(), PASSWORD)) {
            int stale = repo.keyring().currentEpoch();
            BlobId id = save(repo, "written after the period");
            assertThat(repo.keyring().currentEpoch()).isNotEqualTo(stale);
            assertThat(repo.index().find(id).epoch()).isEqualTo(repo.keyring().currentEpoch());
            assertThat(repo.keyNotices()).singleElement().asString()
                    .contains("was 91 days old (rotation period 90 days): started epoch " + repo.keyring().current().hex());
        }
    }

    /** Two writers hit the 90-day mark together: both rotate, nothing either wrote becomes unreadable. */
    @Test
    void concurrentRotationsMergeAndEveryWriterSeesTheOthersData() {
        Repository.init(store(), PASSWORD, FAST).close();
        try (Repository a = Repository.open(store(), PASSWORD); Repository b = Repository.open(store(), PASSWORD)) {
            a.keys().rotate();
            b.keys().rotate();
            BlobId fromA = save(a, "from a");
            BlobId fromB = save(b, "from b");
            // Each wrote under its own new epoch (or, having seen the other's, under the one both agree on).
            assertThat(store().list("keys/keyring/")).hasSize(2);
            try (Repository c = Repository.open(store(), PASSWORD)) {
                assertThat(c.keyring().epochs()).hasSize(3);
                assertThat(load(c, fromA)).isEqualTo("from a");
                assertThat(load(c, fromB)).isEqualTo("from b");
                c.keys().rotate();
                assertThat(store().list("keys/keyring/")).hasSize(1);
            }
            // a opened before b's rotation: it re-reads the keyring when it meets b's epoch.
            a.loadIndex();
            assertThat(load(a, fromB)).isEqualTo("from b");
        }
    }

    /**
     * The revocation promise before re-encryption: a removed slot's holder who kept a copy of keys/
     * still opens the old generation, but finds no key for anything written after the removal.
     */
    @Test
    void aRemovedSlotWithACopyOfTheKeysCannotReadWhatIsWrittenAfterwards(@TempDir Path stolen) throws IOException {
        AgeKeys.KeyPair leaked = AgeKeys.generate();
        BlobId before;
        String leakedSlot;
        try (Repository repo = Repository.init(store(), PASSWORD, FAST)) {
            leakedSlot = repo.keys().addSlot(KeySlot.age(leaked.recipient(), "laptop", Instant.now())).id();
            before = save(repo, "old secret");
        }
        copyTree(dir.resolve("keys"), stolen.resolve("keys"));
        java.util.List<String> oldIndex = store().list("index/");
        java.util.List<String> oldPacks = store().list("data/");
        BlobId after;
        try (Repository repo = Repository.open(store(), PASSWORD)) {
            repo.keys().removeSlot(leakedSlot.substring(0, 6), true);
            after = save(repo, "new secret");
        }
        assertThatThrownBy(() -> Repository.open(store(), Credentials.age(AgeIdentities.parse(leaked.identity().clone()))))
                .isInstanceOf(WrongKeyException.class);
        java.util.List<String> newIndex = new java.util.ArrayList<>(store().list("index/"));
        newIndex.removeAll(oldIndex);
        java.util.List<String> newPacks = new java.util.ArrayList<>(store().list("data/"));
        newPacks.removeAll(oldPacks);
        assertThat(newIndex).hasSize(1);
        assertThat(newPacks).hasSize(1);
        // The attacker puts the stolen keys/ back next to today's data.
        deleteTree(dir.resolve("keys"));
        copyTree(stolen.resolve("keys"), dir.resolve("keys"));
        try (Repository attacker = Repository.openWithoutIndex(store(), Credentials.age(AgeIdentities.parse(leaked.identity().clone())))) {
            // Index files under keys the stolen keyring lacks are skipped and named, not read.
            attacker.loadIndex();
            assertThat(attacker.damagedIndexNames()).contains(newIndex.get(0));
            assertThat(attacker.damagedIndexFiles()).isNotEmpty().allMatch(m -> m.contains("keyring never had"));
            assertThatThrownBy(() -> attacker.readIndexFile(newIndex.get(0)))
                    .isInstanceOf(RepositoryException.class).hasMessageContaining("keyring never had");
            byte[] newPackId = dr.summit.repository.pack.PackFormat.idFromName(newPacks.get(0));
            assertThatThrownBy(() -> attacker.readPackTrailer(newPackId))
                    .isInstanceOf(RepositoryException.class).hasMessageContaining("keyring never had");
            // What was written before the removal is still readable to them until re-encryption.
            attacker.index().addIndexFile(attacker.readIndexFile(oldIndex.get(0)));
            assertThat(load(attacker, before)).isEqualTo("old secret");
            assertThat(attacker.index().find(after)).isNull();
        }
    }

    @Test
    void theLastSlotCannotBeRemoved() {
        try (Repository repo = Repository.init(store(), PASSWORD, FAST)) {
            assertThatThrownBy(() -> repo.keys().removeSlot(repo.openedSlotId(), false))
                    .isInstanceOf(RepositoryException.class).hasMessageContaining("only one that opens the repository");
            KeySlot age = repo.keys().addSlot(KeySlot.age(AgeKeys.generate().recipient(), null, Instant.now()));
            repo.keys().removeSlot(age.id(), false);
            assertThat(store().list("keys/wraps/")).allSatisfy(n -> assertThat(n).doesNotEndWith(age.id()));
            assertThat(repo.keys().slots()).hasSize(1);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
