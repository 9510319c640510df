package dr.summit.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dr.summit.repository.blob.BlobId;
import dr.summit.repository.blob.BlobType;
import dr.summit.repository.blob.Compression;
import dr.summit.repository.chunker.ChunkerParams;
import dr.summit.repository.crypto.Argon2Params;
import dr.summit.repository.crypto.KeySlot;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.store.ObjectStore;
import dr.summit.repository.store.StoreStats;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;
import dr.summit.repository.tree.TreeCodec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryTest {

    static final Repository.InitOptions FAST = new Repository.InitOptions(ChunkerParams.DEFAULT, 1024 * 1024,
            Compression.ZSTD, 3, new Argon2Params(64, 1, 1));
    static final char[] PASSWORD = "s3cret pässword".toCharArray();

    @TempDir
    Path dir;

    private LocalDirectoryStore store() {
        return new LocalDirectoryStore(dir);
    }

    private Repository init() {
        return Repository.init(store(), PASSWORD, FAST);
    }

    private static Snapshot snapshot(Instant time, String tree, String... tags) {
        return new Snapshot(null, Snapshot.VERSION, "files", time, "host1", "alice", List.of("/home/alice"),
                List.of(tags), tree, null, "summit-dr test", null);
    }

    @Test
    void initThenOpenWithTheRightPassword() {
        String id;
        byte[] idKey;
        try (Repository repo = Repository.init(store(), PASSWORD, Repository.InitOptions.DEFAULT.withKdf(new Argon2Params(64, 1, 1)))) {
            id = repo.config().repositoryId();
            idKey = repo.keyring().idKey().clone();
            assertThat(repo.config().packSize()).isEqualTo(16 * 1024 * 1024);
            assertThat(repo.config().compression()).isEqualTo("zstd");
        }
        try (Repository repo = Repository.open(store(), "s3cret pässword".toCharArray())) {
            assertThat(repo.config().repositoryId()).isEqualTo(id);
            assertThat(repo.keyring().idKey()).isEqualTo(idKey);
            assertThat(repo.index().size()).isZero();
        }
    }

    @Test
    void initWritesConfigOneKeySlotAndOneKeyring() {
        try (Repository repo = init()) {
            List<String> names = repo.store().list("");
            assertThat(names).hasSize(5).contains("config");
            assertThat(names).filteredOn(n -> n.startsWith("keys/used/")).hasSize(1);
            assertThat(names).filteredOn(n -> n.startsWith("keys/slots/")).hasSize(1);
            assertThat(names).filteredOn(n -> n.startsWith("keys/keyring/")).hasSize(1);
            assertThat(names).filteredOn(n -> n.startsWith("keys/wraps/")).hasSize(1);
        }
    }

    @Test
    void wrongPasswordIsRefused() {
        init().close();
        assertThatThrownBy(() -> Repository.open(store(), "s3cret password".toCharArray()))
                .isInstanceOf(WrongKeyException.class)
                .hasMessageContaining("wrong password")
                .hasMessageContaining(dir.toString());
        assertThatThrownBy(() -> Repository.openWithoutIndex(store(), new char[0])).isInstanceOf(WrongKeyException.class);
    }

    @Test
    void openingAnEmptyOrMissingDirectoryIsNotARepository() {
        assertThatThrownBy(() -> Repository.open(store(), PASSWORD))
                .isInstanceOf(NotARepositoryException.class)
                .hasMessageContaining("no repository at " + dir);
        assertThatThrownBy(() -> Repository.open(new LocalDirectoryStore(dir.resolve("missing")), PASSWORD))
                .isInstanceOf(NotARepositoryException.class);
    }

    @Test
    void openingADirectoryWithAForeignConfigFileIsNotARepository() throws IOException {
        Files.writeString(dir.resolve("config"), "[core]\n\trepositoryformatversion = 0\n");
        assertThatThrownBy(() -> Repository.open(store(), PASSWORD)).isInstanceOf(NotARepositoryException.class);
    }

    @Test
    void initRefusesANonEmptyLocation() throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> init())
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("is not empty");
        assertThat(store().list("")).containsExactly("notes.txt");
    }

    @Test
    void initRefusesAnExistingRepository() {
        init().close();
        assertThatThrownBy(() -> init())
                .isInstanceOf(RepositoryException.class)
                .hasMessageContaining("a repository already exists");
    }

    /** A store that lists names in sorted order, so tests can control which key slot is tried first. */
    private static final class SortedListingStore implements ObjectStore {
        private final ObjectStore delegate;

        SortedListingStore(ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public String location() {
            return delegate.location();
        }

        @Override
        public void put(String name, byte[] data, int offset, int length) {
            delegate.put(name, data, offset, length);
        }

        @Override
        public void replace(String name, byte[] data) {
            delegate.replace(name, data);
        }

        @Override
        public byte[] get(String name) {
            return delegate.get(name);
        }

        @Override
        public byte[] getRange(String name, long offset, int length) {
            return delegate.getRange(name, offset, length);
        }

        @Override
        public long size(String name) {
            return delegate.size(name);
        }

        @Override
        public boolean exists(String name) {
            return delegate.exists(name);
        }

        @Override
        public List<String> list(String prefix) {
            return delegate.list(prefix).stream().sorted().toList();
        }

        @Override
        public void delete(String name) {
            delegate.delete(name);
        }

        @Override
        public StoreStats stats() {
            return delegate.stats();
        }
    }

    /**
     * Each key slot is an independent way in (the keyring is likewise tried copy by copy); a
     * damaged slot of one secret must not lock out the holder of another.
     */
    @Test
    void aDamagedKeySlotDoesNotLockOutTheOtherSlots() {
        init().close();
        KeySlot second = KeySlot.passphrase("second".toCharArray(), new Argon2Params(64, 1, 1), "backup admin", Instant.now());
        byte[] json = second.toJson();
        // The second slot's file is damaged (cut short), and it sorts before the intact first slot.
        store().put("keys/slots/0000000000000000", java.util.Arrays.copyOf(json, json.length / 2));

        try (Repository repo = Repository.open(new SortedListingStore(store()), PASSWORD)) {
            assertThat(repo.config()).isNotNull();
        }
    }

    @Test
    void tamperedConfigIsRefusedAtOpen() throws IOException {
        init().close();
        Path config = dir.resolve("config");
        String text = new String(Files.readAllBytes(config), StandardCharsets.ISO_8859_1);
        assertThat(text).contains("\"packSize\" : 1048576");
        byte[] tampered = text.replace("\"packSize\" : 1048576", "\"packSize\" : 1048577").getBytes(StandardCharsets.ISO_8859_1);
        store().delete("config");
        store().put("config", tampered);
        assertThatThrownBy(() -> Repository.open(store(), PASSWORD))
                .isInstanceOf(CorruptObjectException.class)
                .hasMessageContaining("authentication failed");
    }

    @Test
    void configOfAnotherRepositoryIsRefused() throws IOException {
        Path other = dir.resolve("other");
        Path mine = dir.resolve("mine");
        Repository.init(new LocalDirectoryStore(other), PASSWORD, FAST).close();
        Repository.init(new LocalDirectoryStore(mine), PASSWORD, FAST).close();
        Files.delete(mine.resolve("config"));
        Files.copy(other.resolve("config"), mine.resolve("config"));
        assertThatThrownBy(() -> Repository.open(new LocalDirectoryStore(mine), PASSWORD))
                .isInstanceOf(CorruptObjectException.class);
    }

    @Test
    void unsupportedFormatVersionIsReportedBeforeAnyKeyIsTried() throws IOException {
        init().close();
        byte[] config = Files.readAllBytes(dir.resolve("config"));
        config[4] = 9;
        store().delete("config");
        store().put("config", config);
        assertThatThrownBy(() -> Repository.open(store(), "not even the password".toCharArray()))
                .isInstanceOf(RepositoryException.class)
                .isNotInstanceOf(WrongKeyException.class)
                .hasMessageContaining("version 9");
    }

    @Test
    void snapshotsAreSavedListedAndFound() {
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        List<Snapshot> saved = new ArrayList<>();
        try (Repository repo = init()) {
            assertThat(repo.listSnapshots()).isEmpty();
            assertThatThrownBy(() -> repo.findSnapshot("latest")).hasMessageContaining("has no snapshots");
            // Saved out of time order: listing sorts oldest first.
            for (int i : new int[]{2, 0, 3, 1}) {
                saved.add(repo.saveSnapshot(snapshot(t0.plusSeconds(3600L * i), "ab".repeat(32), "t" + i)));
            }
        }
        try (Repository repo = Repository.openWithoutIndex(store(), PASSWORD)) {
            List<Snapshot> listed = repo.listSnapshots();
            assertThat(listed).extracting(Snapshot::time)
                    .containsExactly(t0, t0.plusSeconds(3600), t0.plusSeconds(7200), t0.plusSeconds(10800));
            assertThat(listed).extracting(Snapshot::tags).containsExactly(List.of("t0"), List.of("t1"), List.of("t2"), List.of("t3"));
            for (Snapshot s : saved) {
                assertThat(s.id()).matches("[0-9a-f]{64}");
                Snapshot found = repo.findSnapshot(s.id());
                assertThat(found).isEqualTo(s);
                assertThat(repo.findSnapshot(s.id().substring(0, 12))).isEqualTo(s);
                assertThat(repo.loadSnapshot(s.id())).isEqualTo(s);
            }
            assertThat(repo.findSnapshot("latest").tags()).containsExactly("t3");

            String absent = absentPrefix(saved);
            assertThatThrownBy(() -> repo.findSnapshot(absent)).hasMessageContaining("no snapshot " + absent);
            for (String invalid : new String[]{"abc", "ABCD", "lat", "zzzz", ""}) {
                assertThatThrownBy(() -> repo.findSnapshot(invalid))
                        .as(invalid).isInstanceOf(RepositoryException.class).hasMessageContaining("invalid snapshot id");
            }

            repo.deleteSnapshot(saved.get(2).id());
            assertThat(repo.listSnapshots()).hasSize(3).extracting(Snapshot::id).doesNotContain(saved.get(2).id());
        }
    }

    private static String absentPrefix(List<Snapshot> snapshots) {
        for (int i = 0; ; i++) {
            String candidate = String.format("%04x", i);
            if (snapshots.stream().noneMatch(s -> s.id().startsWith(candidate))) {
                return candidate;
            }
        }
    }

    @Test
    void snapshotFieldsRoundTrip() {
        try (Repository repo = init()) {
            Snapshot.Summary summary = new Snapshot.Summary(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
            Snapshot s = new Snapshot(null, 1, "files", Instant.parse("2025-11-25T12:00:00.123456789Z"), "h", "u",
                    List.of("/a", "/b c"), List.of("daily", "x"), "cd".repeat(32), "ef".repeat(32), "summit-dr 0.1", summary);
            Snapshot saved = repo.saveSnapshot(s);
            assertThat(repo.loadSnapshot(saved.id())).isEqualTo(s.withId(saved.id()));
        }
    }

    @Test
    void aSnapshotCopiedToAnotherNameIsRefused() throws IOException {
        try (Repository repo = init()) {
            Snapshot s = repo.saveSnapshot(snapshot(Instant.now(), "ab".repeat(32)));
            Files.copy(dir.resolve("snapshots/" + s.id()), dir.resolve("snapshots/" + "0".repeat(64)));
            assertThat(repo.listSnapshots()).extracting(Snapshot::id).containsExactly(s.id());
            assertThat(repo.damagedSnapshots()).singleElement().asString().contains("snapshots/" + "0".repeat(64));
            assertThatThrownBy(() -> repo.loadSnapshot("0".repeat(64)))
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining("snapshots/" + "0".repeat(64));
        }
    }

    @Test
    void treesSavedAsBlobsLoadBack() {
        try (Repository repo = init()) {
            Random random = new Random(140);
            List<BlobId> parts = new ArrayList<>();
            List<Node> all = new ArrayList<>();
            try (BlobSaver saver = repo.newBlobSaver(2)) {
                for (int p = 0; p < 3; p++) {
                    List<Node> nodes = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        String name = "part" + p + "-" + i;
                        nodes.add(new Node(NodeType.SYMLINK, name.getBytes(), 0777, 0, 0, "root", "root", i, 0, i, 0, i, 1, 1,
                                6, 0, TestBytes.random(random, 6), null, 0, null, null));
                    }
                    all.addAll(nodes);
                    parts.add(saver.save(BlobType.TREE, TreeCodec.encode(nodes)).id());
                }
                saver.flush();
            }
            assertThat(repo.loadTree(parts.get(1))).hasSize(5);
            List<Node> loaded = repo.loadDirectory(parts);
            assertThat(loaded).extracting(Node::displayName).containsExactlyElementsOf(all.stream().map(Node::displayName).toList());
            assertThat(loaded.get(7).linkTarget()).isEqualTo(all.get(7).linkTarget());
            assertThat(repo.loadDirectory(List.of(parts.get(0)))).hasSize(5);
        }
    }

    @Test
    void loadingABlobThatIsNotIndexedOrOfAnotherTypeFails() {
        try (Repository repo = init()) {
            BlobId id;
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                id = saver.save(BlobType.DATA, "some file content".getBytes()).id();
                saver.flush();
            }
            assertThatThrownBy(() -> repo.loadBlob(BlobType.TREE, id))
                    .isInstanceOf(CorruptObjectException.class).hasMessageContaining("is a DATA blob, expected TREE");
            BlobId unknown = TestBytes.randomId(new Random(141));
            assertThatThrownBy(() -> repo.loadBlob(BlobType.DATA, unknown))
                    .isInstanceOf(CorruptObjectException.class).hasMessageContaining(unknown.hex()).hasMessageContaining("in no readable index")
                    .hasMessageContaining("its pack is lost");
        }
    }

    @Test
    void blobWhosePackBytesWereCorruptedOnDiskFailsNamingThePack() throws IOException {
        Random random = new Random(142);
        List<byte[]> blobs = new ArrayList<>();
        List<BlobId> ids = new ArrayList<>();
        try (Repository repo = init()) {
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                for (int i = 0; i < 10; i++) {
                    byte[] data = i % 2 == 0 ? TestBytes.random(random, 5_000) : TestBytes.compressible(random, 5_000);
                    blobs.add(data);
                    ids.add(saver.save(BlobType.DATA, data).id());
                }
                saver.flush();
            }
        }
        try (Repository repo = Repository.open(store(), PASSWORD)) {
            BlobLocation victim = repo.index().find(ids.get(3));
            Path packFile = dir.resolve(PackFormat.objectName(victim.packId()));
            try (RandomAccessFile f = new RandomAccessFile(packFile.toFile(), "rw")) {
                long at = victim.offset() + victim.length() / 2;
                f.seek(at);
                int b = f.read();
                f.seek(at);
                f.write(b ^ 0x10);
            }
            assertThatThrownBy(() -> repo.loadBlob(BlobType.DATA, ids.get(3)))
                    .isInstanceOf(CorruptObjectException.class)
                    .hasMessageContaining(victim.packHex())
                    .hasMessageContaining(ids.get(3).shortHex());
            for (int i = 0; i < 10; i++) {
                if (i != 3) {
                    assertThat(repo.loadBlob(BlobType.DATA, ids.get(i))).isEqualTo(blobs.get(i));
                }
            }
        }
    }

    @Test
    void blobInATruncatedPackFailsNamingThePack() throws IOException {
        BlobId id;
        try (Repository repo = init()) {
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                id = saver.save(BlobType.DATA, TestBytes.random(new Random(143), 50_000)).id();
                saver.flush();
            }
        }
        try (Repository repo = Repository.open(store(), PASSWORD)) {
            BlobLocation location = repo.index().find(id);
            Path packFile = dir.resolve(PackFormat.objectName(location.packId()));
            try (RandomAccessFile f = new RandomAccessFile(packFile.toFile(), "rw")) {
                f.setLength(location.offset() + location.length() / 2);
            }
            assertThatThrownBy(() -> repo.loadBlob(BlobType.DATA, id))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessageContaining(location.packHex())
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void aDamagedIndexFileIsReportedAtOpenWithoutLockingTheRepository() throws IOException {
        try (Repository repo = init()) {
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                saver.save(BlobType.DATA, "x".getBytes());
                saver.flush();
            }
        }
        List<String> indexes = store().list("index/");
        assertThat(indexes).hasSize(1);
        Path file = dir.resolve(indexes.get(0));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 1;
        Files.write(file, bytes);
        try (Repository repo = Repository.open(store(), PASSWORD)) {
            assertThat(repo.damagedIndexFiles()).singleElement().asString()
                    .contains(indexes.get(0)).contains("authentication failed");
            assertThat(repo.damagedIndexNames()).containsExactly(indexes.get(0));
        }
    }

    /**
     * An empty directory's tree is the 5 bytes 01 00 00 00 00; a file with exactly those bytes must
     * not make the directory unrestorable (nor the other way round): the type is part of the id.
     */
    @Test
    void aTreeWithTheSameBytesAsADataBlobStillLoadsAsATree() {
        byte[] emptyTree = TreeCodec.encode(List.of());
        assertThat(emptyTree).containsExactly(1, 0, 0, 0, 0);
        try (Repository repo = init()) {
            BlobId dataId;
            BlobId treeId;
            try (BlobSaver saver = repo.newBlobSaver(1)) {
                dataId = saver.save(BlobType.DATA, emptyTree.clone()).id();
                treeId = saver.save(BlobType.TREE, emptyTree).id();
                saver.flush();
            }
            assertThat(treeId).as("the type is hashed into the id").isNotEqualTo(dataId);
            assertThat(repo.loadBlob(BlobType.DATA, dataId)).isEqualTo(emptyTree);
            assertThat(repo.loadTree(treeId)).isEmpty();
        }
    }
    /**
     * The resident agent's sessions: the same keys (no key derivation), but the index as it is now
     * (a blob another process stored since is known) and a lease of its own; closing a session leaves
     * its parent usable.
     */
    @Test
    void aSessionLoadsTheIndexAsItIsNowAndClosingItLeavesItsParentOpen() {
        init().close();
        try (Repository agent = Repository.openWithoutIndex(store(), PASSWORD)) {
            BlobId id;
            try (Repository other = Repository.open(store(), PASSWORD); BlobSaver saver = other.newBlobSaver(1)) {
                id = saver.save(BlobType.DATA, "written after the agent opened".getBytes()).id();
                saver.flush();
            }
            assertThat(agent.loadedIndexFiles()).isEmpty();
            for (int round = 0; round < 2; round++) {
                try (Repository session = agent.session("test session")) {
                    assertThat(session.loadedIndexFiles()).isNotEmpty();
                    assertThat(session.index().find(id)).isNotNull();
                    assertThat(session.lease()).isNotNull();
                    assertThat(new String(session.loadBlob(BlobType.DATA, id))).isEqualTo("written after the agent opened");
                }
            }
            // The second round's session came from the first's parent: the keys and store outlived a session's close.
            assertThat(agent.store().get(RepositoryConfig.OBJECT_NAME)).isNotEmpty();
        }
    }
}
