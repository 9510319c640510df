package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.regularFiles;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.sampleTree;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.cli.CliTestSupport.Run;
import dr.summit.files.browse.TreeWalker;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.index.BlobLocation;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import dr.summit.repository.tree.ChunkRef;
import dr.summit.repository.tree.Node;
import dr.summit.repository.tree.NodeType;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage to the repository — a flipped or truncated pack, a damaged index file, snapshot object or
 * tree — is found, named and contained: verify says which pack and which snapshots, restore never
 * leaves wrong bytes under a file's final name, and every error is one line without a stack trace.
 */
class CorruptionTest {
    private static final String PASSWORD = "corruption test password";

    @TempDir
    Path tmp;
    Path repo;
    Path pw;
    Path src;
    Path other;
    /** Regular files of src as the first two snapshots saw them. */
    Map<String, byte[]> srcFiles;
    Snapshot s1;
    Snapshot s2;
    Snapshot s3;

    @BeforeEach
    void threeSnapshots() throws Exception {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), PASSWORD);
        src = sampleTree(tmp.resolve("src"), 5);
        other = tmp.resolve("other");
        writeRandom(other.resolve("unrelated.bin"), new Random(6), 300_000);
        srcFiles = regularFiles(src);
        ok(repo, pw, "init", FAST_INIT);
        ok(repo, pw, "backup", src.toString());
        ok(repo, pw, "backup", src.toString(), "--host", "second");
        ok(repo, pw, "backup", other.toString());
        try (Repository r = open()) {
            List<Snapshot> all = r.listSnapshots();
            assertThat(all).hasSize(3);
            s1 = all.get(0);
            s2 = all.get(1);
            s3 = all.get(2);
        }
        assertThat(s3.paths()).containsExactly(other.toString());
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    // ---------------------------------------------------------------- data packs

    @Test
    void flippedByteInADataPackIsNamedWithTheSnapshotsItAffects() throws Exception {
        Damage d = damageFirstChunkOf("src/media/photo.raw");

        Run verify = run(repo, pw, "verify", "--read-data");

        assertThat(verify.exit()).as(verify.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(verify.out()).contains("error: pack " + d.packHex + ": blob " + d.blob.shortHex());
        assertThat(verify.out().lines().filter(l -> l.startsWith("damaged " + d.packHex + " affects snapshots: ")))
                .singleElement().asString().contains(s1.shortId(), s2.shortId()).doesNotContain(s3.shortId());
        assertThat(verify.err()).doesNotContain("\tat ");

        JsonNode json = run(repo, pw, "verify", "--read-data", "--json").json();
        assertThat(json.get("damagedPacks").has(d.packHex)).as(json.toString()).isTrue();
        assertThat(json.get("affected").get(d.packHex)).extracting(JsonNode::asText).containsExactlyInAnyOrder(s1.id(), s2.id());
    }

    @Test
    void restoreOfADamagedSnapshotWritesEveryIntactFileAndNoWrongBytes() throws Exception {
        Damage d = damageFirstChunkOf("src/media/photo.raw");
        Set<String> affected = filesUsing(s1, Set.of(d.blob));
        assertThat(affected).containsExactly("src/media/photo.raw");
        Path target = tmp.resolve("restore");

        Run restore = run(repo, pw, "restore", s1.id(), "--target", target.toString());

        assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(restore.err()).doesNotContain("\tat ")
                .contains("error: " + target.resolve("src/media/photo.raw") + ": blob " + d.blob.shortHex())
                .endsWith("summit-dr: 1 entries could not be restored\n");
        Map<String, byte[]> expected = new TreeMap<>(srcFiles);
        expected.remove("media/photo.raw");
        assertRestoredExactly(target.resolve("src"), expected);

        Run intact = run(repo, pw, "restore", s3.shortId(), "--target", tmp.resolve("restore-3").toString());
        assertThat(intact.exit()).as("a snapshot without the damaged pack restores: " + intact).isZero();
    }

    @Test
    void truncatedPackIsNamedAndOnlyItsFilesAreMissingFromTheRestore() throws Exception {
        Damage d = locateFirstChunkOf("src/media/photo.raw");
        long keptLength = Files.size(d.packFile) / 2;
        try (RandomAccessFile f = new RandomAccessFile(d.packFile.toFile(), "rw")) {
            f.setLength(keptLength);
        }

        Run verify = run(repo, pw, "verify", "--read-data");
        assertThat(verify.exit()).as(verify.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(verify.out()).contains("error: pack " + d.packHex).contains(s1.shortId(), s2.shortId());
        assertThat(verify.err()).doesNotContain("\tat ");

        Path target = tmp.resolve("restore");
        Run restore = run(repo, pw, "restore", s1.id(), "--target", target.toString());
        assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(restore.err()).doesNotContain("\tat ");

        Set<String> usingThePack = filesUsing(s1, blobsIn(d.packHex, 0));
        Set<String> usingTheLostHalf = filesUsing(s1, blobsIn(d.packHex, keptLength));
        assertThat(usingTheLostHalf).isNotEmpty();
        Map<String, byte[]> restored = regularFiles(target.resolve("src"));
        for (Map.Entry<String, byte[]> e : restored.entrySet()) {
            assertThat(e.getValue()).as("bytes of restored %s", e.getKey()).isEqualTo(srcFiles.get(e.getKey()));
        }
        for (String file : srcFiles.keySet()) {
            if (!usingThePack.contains("src/" + file)) {
                assertThat(restored).as("%s has no chunk in the truncated pack", file).containsKey(file);
            }
        }
        for (String lost : usingTheLostHalf) {
            assertThat(restored).doesNotContainKey(lost.substring(4));
            assertThat(restore.err()).contains("error: " + target.resolve(lost) + ": ");
        }
        assertNoTemporaryFiles(target);
    }

    // ---------------------------------------------------------------- index, snapshot, tree

    @Test
    void corruptedIndexFileIsNamedByVerify() throws Exception {
        String index = anyObject("index/");
        flipByte(repo.resolve(index), Files.size(repo.resolve(index)) / 2);

        Run verify = run(repo, pw, "verify", "--read-data");
        assertClearError(verify);
        assertThat(verify.out()).contains("error: index file damaged and skipped: " + index + ": authentication failed");
        assertThat(run(repo, pw, "snapshots").exit()).as("listing snapshots needs no index").isZero();
        assertNoStackTrace(run(repo, pw, "restore", "latest", "--target", tmp.resolve("t0").toString()));
        // With every index file damaged the restore must fail, and name a damaged index file, not a lost pack.
        for (String other : new LocalDirectoryStore(repo).list("index/")) {
            if (!other.equals(index)) {
                flipByte(repo.resolve(other), Files.size(repo.resolve(other)) / 2);
            }
        }
        Run restore = run(repo, pw, "restore", "latest", "--target", tmp.resolve("t").toString());
        assertNoStackTrace(restore);
        assertThat(restore.exit()).as(restore.toString()).isNotZero();
        assertThat(restore.err()).contains("index/", "repair-index").doesNotContain("pack is lost");
        ok(repo, pw, "repair-index");
        ok(repo, pw, "restore", "latest", "--target", tmp.resolve("t2").toString());
    }

    @Test
    void truncatedIndexFileIsNamedByVerify() throws Exception {
        String index = anyObject("index/");
        try (RandomAccessFile f = new RandomAccessFile(repo.resolve(index).toFile(), "rw")) {
            f.setLength(7);
        }
        Run verify = run(repo, pw, "verify");
        assertClearError(verify);
        assertThat(verify.out()).contains("error: index file damaged and skipped: " + index + ": truncated");
        assertNoStackTrace(run(repo, pw, "backup", src.toString()));
    }

    @Test
    void corruptedSnapshotObjectIsNamedAndTheOthersStayListed() throws Exception {
        Path object = repo.resolve("snapshots/" + s2.id());
        flipByte(object, Files.size(object) - 20);

        // Listed as damaged, never silently left out; the listing fails so a script notices.
        Run list = run(repo, pw, "snapshots");
        assertThat(list.exit()).as(list.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(list.out()).contains(s1.shortId(), s3.shortId()).contains(s2.shortId() + "  DAMAGED")
                .endsWith("2 snapshots, 1 unreadable\n");
        assertThat(list.errLines()).singleElement().asString().startsWith("summit-dr: 1 snapshot(s) cannot be read")
                .contains("snapshots/" + s2.id());
        JsonNode json = run(repo, pw, "snapshots", "--json").json();
        assertThat(json).anySatisfy(e -> assertThat(e.path("unreadable").asText()).isEqualTo("damaged"));

        Run verify = run(repo, pw, "verify", "--read-data");
        assertClearError(verify);
        assertThat(verify.out()).contains("error: snapshot object damaged: snapshots/" + s2.id());

        assertOneLineError(run(repo, pw, "restore", s2.shortId(), "--target", tmp.resolve("t").toString()),
                ExitCodes.ERROR, s2.shortId(), "snapshots/" + s2.id(), "damaged");
        assertThat(tmp.resolve("t")).doesNotExist();
    }

    @Test
    void intactSnapshotsStayRestorableWhenAnotherSnapshotObjectIsDamaged() throws Exception {
        Path object = repo.resolve("snapshots/" + s2.id());
        flipByte(object, Files.size(object) - 20);
        Path target = tmp.resolve("restore");

        // Without the explicit choice, a selection stops and names the damaged snapshot ...
        Run refused = run(repo, pw, "restore", s1.id(), "--target", target.toString());
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(refused.err()).contains("snapshots/" + s2.id(), "--skip-damaged");
        assertThat(target).doesNotExist();

        // ... with it, the intact snapshots restore.
        Run restore = run(repo, pw, "restore", s1.id(), "--target", target.toString(), "--skip-damaged");
        assertThat(restore.exit()).as("restoring intact snapshot %s by its full id: %s", s1.shortId(), restore).isZero();
        assertRestoredExactly(target.resolve("src"), srcFiles);
    }

    @Test
    void corruptedTreeIsNamedByVerifyWithTheSnapshotsItAffects() throws Exception {
        Damage d = damageTree("src/media");

        Run verify = run(repo, pw, "verify", "--read-data");

        assertThat(verify.exit()).as(verify.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(verify.out()).contains("error: pack " + d.packHex + ": blob " + d.blob.shortHex());
        assertThat(verify.out()).contains(s1.shortId(), s2.shortId());
        assertThat(verify.err()).doesNotContain("\tat ");
        JsonNode json = run(repo, pw, "verify", "--read-data", "--json").json();
        Set<String> affected = new HashSet<>();
        json.get("affected").forEach(ids -> ids.forEach(id -> affected.add(id.asText())));
        assertThat(affected).contains(s1.id(), s2.id()).doesNotContain(s3.id());
    }

    @Test
    void corruptedTreeFailsLsAndRestoreInOneLineWithoutWrongBytes() throws Exception {
        Damage d = damageTree("src/media");

        assertOneLineError(run(repo, pw, "ls", s1.id()), ExitCodes.ERROR, "blob " + d.blob.shortHex(), d.packHex);
        Path target = tmp.resolve("restore");
        Run restore = run(repo, pw, "restore", s1.id(), "--target", target.toString());
        assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(restore.err()).contains("blob " + d.blob.shortHex()).doesNotContain("\tat ");
        for (Map.Entry<String, byte[]> e : regularFilesUnderFinalNames(target).entrySet()) {
            assertThat(e.getValue()).as("bytes of restored %s", e.getKey()).isEqualTo(srcFiles.get(e.getKey().substring(4)));
        }
        assertThat(run(repo, pw, "restore", s3.id(), "--target", tmp.resolve("restore-3").toString()).exit()).isZero();
    }

    @Test
    void restoreOfASnapshotWithADamagedDirectoryRestoresEverythingElse() throws Exception {
        Damage d = damageTree("src/media");
        Path target = tmp.resolve("restore");

        Run restore = run(repo, pw, "restore", s1.id(), "--target", target.toString());

        assertThat(restore.exit()).isEqualTo(ExitCodes.ERROR);
        Map<String, byte[]> expected = new TreeMap<>(srcFiles);
        expected.keySet().removeIf(k -> k.startsWith("media/"));
        assertRestoredExactly(target.resolve("src"), expected);
        assertThat(restore.err()).contains("src/media", "blob " + d.blob.shortHex()).doesNotContain("\tat ");
    }

    // ---------------------------------------------------------------- helpers

    private Repository open() {
        return Repository.open(new LocalDirectoryStore(repo), PASSWORD.toCharArray());
    }

    /** Where a blob lives, and the pack file holding it. */
    private record Damage(BlobId blob, BlobLocation location, String packHex, Path packFile) {
    }

    private Damage locate(Repository r, BlobId blob) {
        BlobLocation location = r.index().find(blob);
        assertThat(location).as("blob %s is indexed", blob.shortHex()).isNotNull();
        return new Damage(blob, location, location.packHex(), repo.resolve(PackFormat.objectName(location.packId())));
    }

    private Damage locateFirstChunkOf(String path) {
        try (Repository r = open()) {
            return locate(r, files(r, s1).get(path).content().get(0).id());
        }
    }

    private Damage damageFirstChunkOf(String path) throws IOException {
        Damage d = locateFirstChunkOf(path);
        flipByte(d.packFile, d.location.offset() + d.location.length() / 2L);
        return d;
    }

    /** Flips a byte in the middle of the (first) tree blob of a directory of s1. */
    private Damage damageTree(String dir) throws IOException {
        Damage d;
        try (Repository r = open()) {
            Node node = entries(r, s1).get(dir);
            assertThat(node.type()).isEqualTo(NodeType.DIRECTORY);
            d = locate(r, node.subtrees().get(0));
        }
        flipByte(d.packFile, d.location.offset() + d.location.length() / 2L);
        return d;
    }

    private static Map<String, Node> entries(Repository r, Snapshot s) {
        Map<String, Node> out = new HashMap<>();
        new TreeWalker(r).walk(BlobId.parse(s.tree()), (path, node) -> {
            out.put(new String(path, StandardCharsets.UTF_8), node);
            return true;
        });
        return out;
    }

    private static Map<String, Node> files(Repository r, Snapshot s) {
        Map<String, Node> out = new HashMap<>();
        entries(r, s).forEach((p, n) -> {
            if (n.type() == NodeType.FILE) {
                out.put(p, n);
            }
        });
        return out;
    }

    /** Files of a snapshot (paths from its root) that use any of the blobs. */
    private Set<String> filesUsing(Snapshot s, Set<BlobId> blobs) {
        Set<String> out = new HashSet<>();
        try (Repository r = open()) {
            files(r, s).forEach((p, n) -> {
                if (n.content().stream().map(ChunkRef::id).anyMatch(blobs::contains)) {
                    out.add(p);
                }
            });
        }
        return out;
    }

    /** Blobs of a pack that end after {@code from}. */
    private Set<BlobId> blobsIn(String packHex, long from) {
        Set<BlobId> out = new HashSet<>();
        try (Repository r = open()) {
            r.index().forEach(e -> {
                if (java.util.HexFormat.of().formatHex(e.packId()).equals(packHex) && (long) e.offset() + e.length() > from) {
                    out.add(e.id());
                }
            });
        }
        return out;
    }

    private String anyObject(String prefix) {
        List<String> names = new LocalDirectoryStore(repo).list(prefix);
        assertThat(names).isNotEmpty();
        return names.stream().sorted().findFirst().orElseThrow();
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x40);
        }
    }

    /** Exactly these files, byte for byte, and no temporary file left behind. */
    private static void assertRestoredExactly(Path root, Map<String, byte[]> expected) throws IOException {
        Map<String, byte[]> actual = regularFiles(root);
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((k, v) -> assertThat(actual.get(k)).as("bytes of restored %s", k).isEqualTo(v));
    }

    /** Exit 1, and stderr holds only operator lines: no stack trace without --debug. */
    private static void assertClearError(Run r) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.ERROR);
        assertNoStackTrace(r);
    }

    private static void assertNoStackTrace(Run r) {
        assertThat(r.errLines()).as(r.toString())
                .allMatch(l -> l.startsWith("summit-dr: ") || l.startsWith("warning: ") || l.startsWith("error: "));
        assertThat(r.err()).as(r.toString()).doesNotContain("\tat ", "Exception");
    }

    private static void assertNoTemporaryFiles(Path root) throws IOException {
        assertThat(regularFiles(root).keySet()).noneMatch(k -> k.contains(".summit-restore-"));
    }

    private static Map<String, byte[]> regularFilesUnderFinalNames(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>(regularFiles(root));
        out.keySet().removeIf(k -> k.contains(".summit-restore-"));
        return out;
    }
}
