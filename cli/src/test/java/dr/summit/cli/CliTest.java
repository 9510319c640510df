package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.sampleTree;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.cli.CliTestSupport.Run;
import dr.summit.files.fs.TreeFingerprint;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summit-dr commands end to end through {@link Main#execute}: outputs, JSON shapes and exit codes. */
class CliTest {
    private static final Pattern SAVED = Pattern.compile("snapshot ([0-9a-f]{8}) saved");

    @TempDir
    Path tmp;
    Path repo;
    Path pw;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        RepositoryOptions.env = name -> null;   // no SUMMIT_* from the machine running the tests
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), "cli test password");
        src = sampleTree(tmp.resolve("src"), 1);
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    private void init() {
        ok(repo, pw, "init", FAST_INIT);
    }

    private String backup() {
        Run r = ok(repo, pw, "backup", src.toString());
        Matcher m = SAVED.matcher(r.out());
        assertThat(m.find()).as(r.toString()).isTrue();
        return m.group(1);
    }

    // ---------------------------------------------------------------- happy paths

    @Test
    void initBackupListRestoreVerifyAndStats() throws Exception {
        Run init = ok(repo, pw, "init", FAST_INIT);
        assertThat(init.out()).matches("created repository [0-9a-f]{8} at " + Pattern.quote(repo.toString()) + "\n");

        Run backup = ok(repo, pw, "backup", src.toString());
        assertThat(backup.out()).containsPattern(SAVED).contains("files: 6 new, 0 changed, 0 unchanged; 4 directories");
        assertThat(backup.err()).isEmpty();

        JsonNode snapshots = ok(repo, pw, "snapshots", "--json").json();
        assertThat(snapshots.isArray()).isTrue();
        assertThat(snapshots).hasSize(1);
        JsonNode s = snapshots.get(0);
        assertThat(fieldNames(s)).contains("id", "shortId", "time", "kind", "host", "username", "paths", "tags", "tree",
                "parent", "summary");
        assertThat(s.get("id").asText()).hasSize(64).startsWith(s.get("shortId").asText());
        assertThat(s.get("kind").asText()).isEqualTo("files");
        assertThat(s.get("paths").get(0).asText()).isEqualTo(src.toString());
        assertThat(s.get("parent").isNull()).isTrue();
        assertThat(fieldNames(s.get("summary"))).contains("files", "directories", "otherEntries", "totalBytes", "newFiles",
                "changedFiles", "unchangedFiles", "bytesRead", "newBlobs", "newBytes", "newPackedBytes",
                "filesChangedDuringBackup", "unreadableEntries", "durationMillis");
        assertThat(s.get("summary").get("files").asLong()).isEqualTo(6);
        assertThat(s.get("summary").get("totalBytes").asLong()).isEqualTo(400_000 + 350_000 + 8 + 900_000 + 600_000 + 6);
        String id = s.get("id").asText();

        Run listing = ok(repo, pw, "snapshots");
        assertThat(listing.out()).contains(id.substring(0, 8), src.toString()).endsWith("1 snapshots\n");

        Run ls = ok(repo, pw, "ls", "latest", "src/docs");
        assertThat(ls.out().lines().map(l -> l.substring(l.indexOf(" /") + 1)))
                .containsExactly("/src/docs", "/src/docs/readme.txt", "/src/docs/reports", "/src/docs/reports/q1.bin",
                        "/src/docs/reports/q2.bin");
        assertThat(ls.out().lines().filter(l -> l.endsWith("/src/docs/reports"))).singleElement().asString().startsWith("d");

        JsonNode lsJson = ok(repo, pw, "ls", id.substring(0, 8), "--json").nodes();
        JsonNode link = find(lsJson, "path", "/src/latest");
        assertThat(link.get("type").asText()).isEqualTo("symlink");
        assertThat(link.get("target").asText()).isEqualTo("docs/reports/q2.bin");
        JsonNode q1 = find(lsJson, "path", "/src/docs/reports/q1.bin");
        assertThat(fieldNames(q1)).contains("path", "type", "mode", "uid", "gid", "user", "group", "size", "mtime");
        assertThat(q1.get("size").asLong()).isEqualTo(400_000);

        Path target = tmp.resolve("restore");
        Run restore = ok(repo, pw, "restore", "latest", "--target", target.toString(), "--verify");
        assertThat(restore.out()).contains("restored snapshot " + id.substring(0, 8), "6 files, 4 directories", "6 files verified");
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(src), TreeFingerprint.of(target.resolve("src")))).isEmpty();

        JsonNode restoreJson = ok(repo, pw, "restore", id, "--target", tmp.resolve("restore-json").toString(), "--json").json();
        assertThat(fieldNames(restoreJson)).contains("snapshot", "target", "files", "directories", "otherEntries", "bytes",
                "verifiedFiles", "durationMillis", "failures", "failureCount", "warnings");
        assertThat(restoreJson.get("failureCount").asInt()).isZero();
        assertThat(restoreJson.get("otherEntries").asInt()).isEqualTo(1);

        Run verify = ok(repo, pw, "verify", "--read-data");
        assertThat(verify.out()).contains("1 snapshots").endsWith("no errors\n");
        JsonNode verifyJson = ok(repo, pw, "verify", "--read-data", "--json").json();
        assertThat(fieldNames(verifyJson)).contains("snapshots", "blobsReferenced", "packsIndexed", "packsRead", "bytesRead",
                "errors", "warnings", "damagedPacks", "affected");
        assertThat(verifyJson.get("packsRead").asInt()).isPositive().isEqualTo(verifyJson.get("packsIndexed").asInt());
        assertThat(verifyJson.get("errors")).isEmpty();

        JsonNode stats = ok(repo, pw, "stats", "--json").json();
        assertThat(fieldNames(stats)).contains("repositoryId", "formatVersion", "stats", "indexRecordBytes", "requests");
        assertThat(stats.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(fieldNames(stats.get("stats"))).contains("snapshots", "packs", "dataBlobs", "treeBlobs", "storedBytes",
                "logicalBytes", "dedupRatio");
        assertThat(stats.get("stats").get("snapshots").asInt()).isEqualTo(1);
        assertThat(stats.get("stats").get("dataBlobs").asLong()).isGreaterThan(10);
        assertThat(stats.get("stats").get("logicalBytes").asLong()).isEqualTo(s.get("summary").get("totalBytes").asLong());
        assertThat(fieldNames(stats.get("requests"))).contains("puts", "putBytes", "gets", "getBytes", "heads", "lists", "deletes");
        assertThat(stats.get("requests").get("puts").asLong()).as("stats writes only its lease (and the slot's last-used marker once a day)").isLessThanOrEqualTo(2);
        assertThat(ok(repo, pw, "stats").out()).contains("snapshots:        1");
    }

    @Test
    void secondBackupFindsItsParentAndDiffShowsEveryKindOfChange() throws Exception {
        init();
        String first = backup();
        writeRandom(src.resolve("docs/reports/q1.bin"), new Random(99), 400_000);
        Files.delete(src.resolve("notes.txt"));
        Files.writeString(src.resolve("docs/new.txt"), "new\n");
        Files.setPosixFilePermissions(src.resolve("docs/readme.txt"), PosixFilePermissions.fromString("rw-------"));

        JsonNode backup = ok(repo, pw, "backup", src.toString(), "--json").json();
        assertThat(fieldNames(backup)).contains("snapshot", "parent", "summary", "warnings", "warningCount", "adoptedPacks");
        assertThat(backup.get("parent").asText()).startsWith(first);
        assertThat(backup.get("warningCount").asInt()).isZero();
        JsonNode summary = backup.get("summary");
        assertThat(summary.get("newFiles").asInt()).isEqualTo(1);
        assertThat(summary.get("changedFiles").asInt()).as("q1 (content) and readme (ctime)").isEqualTo(2);
        assertThat(summary.get("unchangedFiles").asInt()).isEqualTo(3);
        String second = backup.get("snapshot").asText();

        Run diff = ok(repo, pw, "diff", first, second.substring(0, 8));
        assertThat(diff.out().lines()).contains("M  /src/docs/reports/q1.bin", "-  /src/notes.txt", "+  /src/docs/new.txt",
                "U  /src/docs/readme.txt");
        assertThat(diff.out()).containsPattern("1 added, 1 removed, \\d+ modified\n$");

        JsonNode json = ok(repo, pw, "diff", first, "latest", "--json").json();
        assertThat(json.get("from").asText()).startsWith(first);
        assertThat(json.get("to").asText()).isEqualTo(second);
        JsonNode modified = find(json.get("changes"), "path", "/src/docs/reports/q1.bin");
        assertThat(modified.get("change").asText()).isEqualTo("modified");
        assertThat(modified.get("type").asText()).isEqualTo("file");
        assertThat(find(json.get("changes"), "path", "/src/docs/readme.txt").get("change").asText()).isEqualTo("metadata");
    }

    @Test
    void diffReportsAChangedXattrValueAsAMetadataChange() throws Exception {
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(src.resolve("notes.txt"), UserDefinedFileAttributeView.class);
        xattrs.write("review", StandardCharsets.UTF_8.encode("pending"));
        init();
        String first = backup();
        xattrs.write("review", StandardCharsets.UTF_8.encode("done"));   // same names, new value
        String second = backup();

        JsonNode snapshots = ok(repo, pw, "snapshots", "--json").json();
        assertThat(snapshots.get(1).get("tree").asText()).as("the backup stored the new value")
                .isNotEqualTo(snapshots.get(0).get("tree").asText());

        Run diff = ok(repo, pw, "diff", first, second);

        assertThat(diff.out().lines()).contains("U  /src/notes.txt");
    }

    @Test
    void forgetKeepsTheNewestAndPruneFreesWhatOnlyTheOthersUsed() throws Exception {
        init();
        backup();
        writeRandom(src.resolve("media/photo.raw"), new Random(2), 900_000);
        backup();
        writeRandom(src.resolve("media/photo.raw"), new Random(3), 900_000);
        String newest = backup();

        JsonNode dryRun = ok(repo, pw, "forget", "--keep-last", "1", "--dry-run", "--json").json();
        assertThat(dryRun.get("dryRun").asBoolean()).isTrue();
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(3);

        JsonNode forget = ok(repo, pw, "forget", "--keep-last", "1", "--json").json();
        assertThat(forget.get("dryRun").asBoolean()).isFalse();
        List<String> actions = new ArrayList<>();
        forget.get("snapshots").forEach(n -> actions.add(n.get("action").asText() + " " + n.get("id").asText().substring(0, 8)));
        assertThat(actions).hasSize(3).contains("keep " + newest).filteredOn(a -> a.startsWith("remove")).hasSize(2);
        JsonNode remaining = ok(repo, pw, "snapshots", "--json").json();
        assertThat(remaining).hasSize(1);
        assertThat(remaining.get(0).get("shortId").asText()).isEqualTo(newest);

        JsonNode prune = ok(repo, pw, "prune", "--json").json();
        assertThat(fieldNames(prune)).contains("dryRun", "packs", "storedBytes", "unusedBytes", "packsToDelete", "packsToRepack",
                "liveBytesToRepack", "packsDeleted", "packsWritten", "bytesFreed", "requests");
        assertThat(prune.get("unusedBytes").asLong()).as("two old photos").isGreaterThan(1_500_000);
        assertThat(prune.get("bytesFreed").asLong()).isGreaterThan(1_500_000);

        assertThat(ok(repo, pw, "verify", "--read-data").out()).endsWith("no errors\n");
        Path target = tmp.resolve("restore");
        ok(repo, pw, "restore", "latest", "--target", target.toString());
        assertThat(TreeFingerprint.differences(TreeFingerprint.of(src), TreeFingerprint.of(target.resolve("src")))).isEmpty();
        JsonNode again = ok(repo, pw, "prune", "--json").json();
        assertThat(again.get("packsToDelete").asInt()).isZero();
    }

    /** The 90-day policy is applied by the backup itself, which says so. */
    @Test
    void aBackupRotatesAnExpiredDataKeyAndReportsIt() throws Exception {
        init();
        try (dr.summit.repository.Repository r = dr.summit.repository.Repository.open(
                new dr.summit.repository.store.LocalDirectoryStore(repo), "cli test password".toCharArray())) {
            r.keys().rotate(java.time.Instant.now().minus(java.time.Duration.ofDays(120)));
        }
        JsonNode backup = ok(repo, pw, "backup", src.toString(), "--json").json();
        assertThat(backup.get("keyNotices")).singleElement().asString().contains("was 120 days old (rotation period 90 days): started epoch");
        JsonNode status = ok(repo, pw, "key status", "--json").json();
        assertThat(status.get("currentEpochAgeDays").asInt()).isZero();
        assertThat(status.get("daysUntilRotation").asInt()).isEqualTo(90);
        Run again = ok(repo, pw, "backup", src.toString());
        assertThat(again.err()).doesNotContain("note:");
    }

    @Test
    void keySlotsCanBeAddedListedRemovedAndTheirPasswordChanged() throws Exception {
        init();
        Path alicePw = passwordFile(tmp.resolve("alice"), "alice's own password");
        Run add = ok(repo, pw, "key add", "--label", "alice", "--new-password-file", alicePw.toString(),
                "--kdf-memory-kib", "64", "--kdf-iterations", "1");
        assertThat(add.out()).startsWith("added passphrase key slot ");
        String aliceSlot = add.out().trim().substring("added passphrase key slot ".length());

        JsonNode slots = ok(repo, alicePw, "key list", "--json").json();
        assertThat(slots).hasSize(2);
        JsonNode alice = find(slots, "id", aliceSlot);
        assertThat(fieldNames(alice)).contains("id", "kind", "created", "label", "current", "kdf", "recipient", "lastUsed");
        assertThat(alice.get("label").asText()).isEqualTo("alice");
        assertThat(alice.get("current").asBoolean()).as("opened with alice's password").isTrue();
        assertThat(alice.get("kdf").get("memoryKiB").asInt()).isEqualTo(64);
        String initialSlot = slots.get(0).get("id").asText().equals(aliceSlot) ? slots.get(1).get("id").asText()
                : slots.get(0).get("id").asText();
        assertThat(ok(repo, pw, "key list").out()).contains("alice", "* " + initialSlot);

        Run removed = ok(repo, pw, "key remove", aliceSlot.substring(0, 8));
        assertThat(removed.out()).startsWith("removed key slot " + aliceSlot + "; started data-key epoch ");
        assertOneLineError(run(repo, alicePw, "snapshots"), ExitCodes.WRONG_KEY, "wrong password");
        assertOneLineError(run(repo, pw, "key remove", initialSlot), ExitCodes.ERROR, "only one");

        // Revocation: re-encrypt what the retired epochs protect, then destroy their keys.
        JsonNode reencrypted = ok(repo, pw, "key rotate", "--reencrypt", "--json").json().get("reencryption");
        assertThat(reencrypted.get("complete").asBoolean()).as(reencrypted.toString()).isTrue();
        assertThat(reencrypted.get("destroyedEpochs")).hasSize(2);
        JsonNode keyStatus = ok(repo, pw, "key status", "--json").json();
        assertThat(keyStatus.get("epochs")).hasSize(1);
        assertThat(keyStatus.get("destroyedEpochs")).hasSize(2);
        assertThat(ok(repo, pw, "verify", "--read-data", "--json").json().get("errors")).isEmpty();

        Path newPw = passwordFile(tmp.resolve("new"), "a brand new password");
        Run passwd = ok(repo, pw, "key passwd", "--new-password-file", newPw.toString(), "--kdf-memory-kib", "64",
                "--kdf-iterations", "1");
        assertThat(passwd.out()).startsWith("password changed: key slot " + initialSlot + " replaced by ");
        assertOneLineError(run(repo, pw, "snapshots"), ExitCodes.WRONG_KEY, "wrong password");
        assertThat(ok(repo, newPw, "key list", "--json").json()).hasSize(1);
    }

    @Test
    void backupThatCannotReadAnEntryCommitsTheRestAndExitsPartial() throws Exception {
        // As root, permission bits do not stop reads; a path longer than PATH_MAX (4096 bytes) does:
        // the shell builds it one relative step at a time, stat() of its full path fails.
        Path deep = src.resolve("deep");
        Files.createDirectories(deep);
        Process mk = new ProcessBuilder("sh", "-c",
                "cd \"$1\" && for i in $(seq 1 22); do d=$(printf '%0200d' $i); mkdir \"$d\" && cd -P \"$d\" || exit 1; done; echo x > file",
                "sh", deep.toString()).redirectErrorStream(true).start();
        assertThat(mk.waitFor()).as(new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        try {
            init();
            Run backup = run(repo, pw, "backup", src.toString());

            assertThat(backup.exit()).as(backup.toString()).isEqualTo(ExitCodes.PARTIAL);
            assertThat(backup.err()).startsWith("warning: " + deep).contains("cannot ");
            assertThat(backup.out()).containsPattern(SAVED).contains("1 warnings");
            JsonNode s = ok(repo, pw, "snapshots", "--json").json().get(0);
            assertThat(s.get("summary").get("unreadableEntries").asInt()).isEqualTo(1);
            assertThat(s.get("summary").get("files").asInt()).isEqualTo(6);
            Path target = tmp.resolve("restore");
            ok(repo, pw, "restore", "latest", "--target", target.toString(), "--include", "src/docs", "--include", "src/media");
            assertThat(Files.mismatch(src.resolve("media/photo.raw"), target.resolve("src/media/photo.raw"))).isEqualTo(-1L);
        } finally {
            CliTestSupport.deleteRecursively(deep);
        }
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void wrongPasswordIsOneLineAndExitsWithError() throws Exception {
        init();
        Path wrong = passwordFile(tmp.resolve("wrong"), "not the password");
        assertOneLineError(run(repo, wrong, "snapshots"), ExitCodes.WRONG_KEY, "wrong password", repo.toString());
    }

    @Test
    void locationWithoutRepositorySuggestsInit() throws Exception {
        assertOneLineError(run(repo, pw, "snapshots"), ExitCodes.NO_REPOSITORY, "no repository at " + repo, "init");
        Files.createDirectories(repo);
        Files.writeString(repo.resolve("something-else.txt"), "not a repository");
        assertOneLineError(run(repo, pw, "backup", src.toString()), ExitCodes.NO_REPOSITORY, "no repository", "init");
    }

    @Test
    void foreignDirectoryWithAConfigFileIsNotTakenForARepository() throws Exception {
        Path git = Files.createDirectories(tmp.resolve("project.git"));
        Files.writeString(git.resolve("config"), "[core]\n\trepositoryformatversion = 0\n\tbare = true\n");
        Files.createDirectories(git.resolve("objects"));
        assertOneLineError(run(git, pw, "snapshots"), ExitCodes.NO_REPOSITORY, git.toString(), "not a Summit DR repository");
        assertOneLineError(run(git, pw, "backup", src.toString()), ExitCodes.NO_REPOSITORY, "not a Summit DR repository");
    }

    @Test
    void initRefusesALocationThatIsNotEmpty() throws Exception {
        Files.createDirectories(repo);
        Files.writeString(repo.resolve("precious"), "keep me");
        assertOneLineError(run(repo, pw, "init", FAST_INIT), ExitCodes.ERROR, "not empty");
        assertThat(Files.readString(repo.resolve("precious"))).isEqualTo("keep me");
    }

    @Test
    void unknownFormatVersionIsRefused() throws Exception {
        init();
        Path config = repo.resolve("config");
        byte[] bytes = Files.readAllBytes(config);
        assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("SDRC");
        assertThat(bytes[4]).isEqualTo((byte) 1);
        bytes[4] = 2;
        Files.write(config, bytes);
        assertOneLineError(run(repo, pw, "snapshots"), ExitCodes.ERROR, "format version 2 is not supported");
    }

    @Test
    void passwordFileReadableByOthersIsRefused() throws Exception {
        init();
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
        assertOneLineError(run(repo, pw, "snapshots"), ExitCodes.ERROR, pw.toString(), "chmod 600");
    }

    @Test
    void restoreIntoANonEmptyTargetIsRefused() throws Exception {
        init();
        backup();
        Path target = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(target.resolve("keep.txt"), "keep");
        assertOneLineError(run(repo, pw, "restore", "latest", "--target", target.toString()), ExitCodes.ERROR, "not empty");
        assertThat(CliTestSupport.regularFiles(target)).containsOnlyKeys("keep.txt");
    }

    @Test
    void forgetWithoutAnyRuleIsAUsageError() throws Exception {
        init();
        backup();
        assertOneLineError(run(repo, pw, "forget"), ExitCodes.USAGE, "no retention rule");
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void missingRepositoryOptionIsAUsageError() {
        assertOneLineError(run("snapshots", "--password-file", pw.toString()), ExitCodes.USAGE, "--repo", "SUMMIT_REPOSITORY");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run(repo, pw, "backup", "--no-such-option", src.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--no-such-option").doesNotContain("\tat ");
    }

    @Test
    void unknownSnapshotIdIsOneLine() throws Exception {
        init();
        backup();
        assertOneLineError(run(repo, pw, "restore", "0123abcd", "--target", tmp.resolve("t").toString()), ExitCodes.NOT_FOUND,
                "no snapshot 0123abcd");
        assertOneLineError(run(repo, pw, "ls", "not-an-id"), ExitCodes.ERROR, "invalid snapshot id 'not-an-id'");
        assertOneLineError(run(repo, pw, "diff", "latest", "fedc9876"), ExitCodes.NOT_FOUND, "no snapshot fedc9876");
        assertThat(tmp.resolve("t")).doesNotExist();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.path(field).asText())) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }
}
