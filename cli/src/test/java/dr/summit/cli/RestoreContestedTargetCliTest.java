package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.sampleTree;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.cli.CliTestSupport.Run;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code restore} into a directory other users can write: it works, and says once on stderr that the target is contested. */
class RestoreContestedTargetCliTest {
    @TempDir
    Path tmp;
    Path repo;
    Path pw;

    @BeforeEach
    void backUp() throws Exception {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), "cli test password");
        ok(repo, pw, "init", FAST_INIT);
        ok(repo, pw, "backup", sampleTree(tmp.resolve("src"), 1).toString());
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    @Test
    void restoreIntoADirectoryEveryoneCanWriteWarnsOnceOnStderr() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 0777);

        Run r = ok(repo, pw, "restore", "latest", "--target", shared.resolve("restore").toString());

        assertThat(r.errLines()).as(r.toString()).singleElement().asString()
                .startsWith("warning: restore target ").contains(shared + " is writable by all users");
        assertThat(r.out()).contains("restored snapshot");
    }

    @Test
    void restoreIntoAPrivateDirectorySaysNothingOnStderr() throws Exception {
        Run r = ok(repo, pw, "restore", "latest", "--target", tmp.resolve("restore").toString());

        assertThat(r.err()).as(r.toString()).isEmpty();
    }
}
