package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.writeRandom;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.cli.CliTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, secrets and messages: no empty passwords, private files whatever the umask, no option
 * value echoed, and errors that name the real cause.
 */
class SecretHygieneTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;

    @BeforeEach
    void setUp() throws IOException {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), "secret hygiene password");
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    @Test
    void emptyAndWhitespaceOnlyPasswordsAreRefusedEverywhere() throws IOException {
        for (String blank : List.of("", "   ", "\t")) {
            RepositoryOptions.env = Map.of("SUMMIT_PASSWORD", blank)::get;
            Run init = run("init", "--repo", repo.toString());
            assertThat(init.exit()).as("SUMMIT_PASSWORD='%s': %s", blank, init).isNotZero();
            assertThat(init.err()).contains("SUMMIT_PASSWORD is empty or only whitespace");
            assertThat(repo).doesNotExist();
        }
        RepositoryOptions.env = name -> null;
        Path blankFile = passwordFile(tmp.resolve("blank"), "    ");
        Run fromFile = run(repo, blankFile, "init", FAST_INIT);
        assertThat(fromFile.exit()).as(fromFile.toString()).isNotZero();
        assertThat(fromFile.err()).contains("empty or whitespace-only");
        assertThat(repo).doesNotExist();

        ok(repo, pw, "init", FAST_INIT);
        Run addBlank = run(repo, pw, "key add", "--new-password-file", blankFile.toString());
        assertThat(addBlank.exit()).as(addBlank.toString()).isNotZero();
        assertThat(addBlank.err()).contains("empty or whitespace-only");
    }

    @Test
    void repositoryFilesArePrivateWhateverTheUmaskUnlessGroupAccessIsChosen() throws Exception {
        // The test JVM runs with the machine's umask (022 here): files would be 0644 without care.
        ok(repo, pw, "init", FAST_INIT);
        Path src = tmp.resolve("src");
        writeRandom(src.resolve("a.bin"), new Random(1), 300_000);
        ok(repo, pw, "backup", src.toString());
        assertModes(repo, "rw-------", "rwx------");

        Path shared = tmp.resolve("shared");
        ok(shared, pw, "init", "--group-access", "--kdf-memory-kib", "64", "--kdf-iterations", "1");
        ok(shared, pw, "backup", src.toString());
        assertModes(shared, "rw-r-----", "rwxr-x---");
    }

    private static void assertModes(Path root, String file, String dir) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                assertThat(mode).as("%s", root.relativize(p)).isEqualTo(Files.isDirectory(p) ? dir : file);
            }
        }
    }

    @Test
    void usageErrorsNeverEchoAValue() {
        Run r = run("snapshots", "--repo", repo.toString(), "--password", "hunter2");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).doesNotContain("hunter2").contains("there is no --password option", "--password-file");
        Run typo = run("snapshots", "--repo", repo.toString(), "--pasword-file=hunter2", "s3cr3t-positional");
        assertThat(typo.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err()).doesNotContain("hunter2").doesNotContain("s3cr3t").contains("'--pasword-file'");
        Run badValue = run("prune", "--repo", repo.toString(), "--max-unused", "hunter2%");
        assertThat(badValue.err()).doesNotContain("hunter2");
    }

    @Test
    void messagesNameTheRealCause() throws Exception {
        ok(repo, pw, "init", FAST_INIT);
        // A directory given as the password file is not a permissions problem.
        Run dir = run("snapshots", "--repo", repo.toString(), "--password-file", tmp.toString());
        assertThat(dir.err()).contains("is a directory").doesNotContain("chmod");

        // A damaged wrap of the right password's slot is damage, not a wrong password.
        try (Stream<Path> wraps = Files.walk(repo.resolve("keys/wraps"))) {
            for (Path wrap : wraps.filter(Files::isRegularFile).toList()) {
                IntegrityTest.flipByte(wrap, Files.size(wrap) - 5);
            }
        }
        Run damagedWrap = run(repo, pw, "snapshots");
        assertThat(damagedWrap.exit()).isNotZero();
        assertThat(damagedWrap.err()).contains("the password opens key slot", "wrapped keyring key is damaged").doesNotContain("wrong password");
        Path wrong = passwordFile(tmp.resolve("wrong"), "not the password");
        assertThat(run(repo, wrong, "snapshots").err()).contains("wrong password");

        // A slot whose JSON is damaged cannot be told from nothing; it is named as damaged.
        try (Stream<Path> slots = Files.list(repo.resolve("keys/slots"))) {
            for (Path slot : slots.toList()) {
                Files.writeString(slot, "{ damaged");
            }
        }
        Run damagedSlot = run(repo, pw, "snapshots");
        assertThat(damagedSlot.err()).contains("no passphrase key slot", "can be read", "damaged").doesNotContain("wrong password");
    }
}
