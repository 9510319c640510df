package dr.summit.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** backup --stdin and --stdin-from-command: a stream as one file, and a failed producer commits nothing. */
class StdinBackupCliTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;

    @BeforeEach
    void init() throws Exception {
        repo = tmp.resolve("repo");
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "stdin test password");
        ok(repo, pw, "init", CliTestSupport.FAST_INIT);
    }

    @Test
    void standardInputBecomesOneFileThatRestoresByteForByte() throws Exception {
        byte[] dump = new byte[1_500_000];
        new Random(20).nextBytes(dump);
        InputStream original = System.in;
        try {
            System.setIn(new ByteArrayInputStream(dump));
            ok(repo, pw, "backup", "--stdin", "--stdin-filename", "db.sql", "--tag", "dump");
        } finally {
            System.setIn(original);
        }
        assertThat(ok(repo, pw, "snapshots", "--path", "/db.sql", "--tag", "dump", "--json").json()).hasSize(1);
        assertThat(ok(repo, pw, "ls", "latest").out()).contains("db.sql");
        ok(repo, pw, "restore", "latest", "--target", tmp.resolve("r").toString());
        assertThat(Files.readAllBytes(tmp.resolve("r/db.sql"))).isEqualTo(dump);
    }

    @Test
    void aCommandsOutputIsKeptOnlyWhenTheCommandSucceeds() throws Exception {
        ok(repo, pw, "backup", "--stdin-from-command", "--stdin-filename", "hello.txt", "--", "sh", "-c", "printf 'hello\\n'");
        ok(repo, pw, "restore", "latest", "--target", tmp.resolve("r").toString());
        assertThat(Files.readString(tmp.resolve("r/hello.txt"))).isEqualTo("hello\n");

        assertOneLineError(run(repo, pw, "backup", "--stdin-from-command", "--", "sh", "-c", "printf partial; exit 3"),
                ExitCodes.ERROR, "exited with status 3", "no snapshot saved");
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void misuseIsAUsageError() {
        assertOneLineError(run(repo, pw, "backup", "--stdin", tmp.toString()), ExitCodes.USAGE, "--stdin backs up standard input only");
        assertOneLineError(run(repo, pw, "backup", "--stdin", "--stdin-filename", "a/b"), ExitCodes.USAGE, "invalid --stdin-filename 'a/b'");
        assertOneLineError(run(repo, pw, "backup", "--stdin-from-command"), ExitCodes.USAGE, "needs the command after --");
        assertOneLineError(run(repo, pw, "backup", "--stdin", "--exclude", "x"), ExitCodes.USAGE, "not to --stdin");
    }
}
