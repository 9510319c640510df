package dr.summit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** Passwords as deployments provide them: a command (secret managers), a Kubernetes Secret volume's symlinks. */
class PasswordSourcesCliTest {
    private static final String PASSWORD = "password sources test password";
    @TempDir
    Path tmp;
    Path repo;
    Path pw;

    @BeforeEach
    void init() throws Exception {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), PASSWORD);
        CliTestSupport.ok(repo, pw, "init", CliTestSupport.FAST_INIT);
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    @Test
    void passwordCommandPrintsThePassword() {
        CliTestSupport.Run r = run("snapshots", "--repo", repo.toString(), "--password-command", "cat '" + pw + "'");
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void passwordCommandFromTheEnvironmentAndOptionPrecedence() {
        RepositoryOptions.env = Map.of("SUMMIT_PASSWORD_COMMAND", "echo '" + PASSWORD + "'", "SUMMIT_PASSWORD", "wrong one")::get;
        assertThat(run("snapshots", "--repo", repo.toString()).exit()).isZero();
        // an option beats every variable: a wrong --password-command is used even though the variable is right
        assertThat(run("snapshots", "--repo", repo.toString(), "--password-command", "echo nope").exit()).isEqualTo(ExitCodes.WRONG_KEY);
    }

    @Test
    void aFailingOrSilentCommandIsAnErrorThatNeverEchoesItsOutput() {
        CliTestSupport.Run failed = run("snapshots", "--repo", repo.toString(), "--password-command", "echo leaked-secret; exit 3");
        assertOneLineError(failed, ExitCodes.ERROR, "--password-command failed with exit status 3");
        assertThat(failed.err() + failed.out()).doesNotContain("leaked-secret");
        assertOneLineError(run("snapshots", "--repo", repo.toString(), "--password-command", "true"), ExitCodes.ERROR,
                "--password-command printed an empty or whitespace-only first line");
    }

    @Test
    void aKubernetesSecretVolumeIsAccepted() throws Exception {
        // kubelet's layout: KEY -> ..data/KEY, ..data -> ..2026_12_06_..., the file itself mode 0400 (defaultMode)
        Path volume = Files.createDirectories(tmp.resolve("secret-volume"));
        Path timestamped = Files.createDirectories(volume.resolve("..2026_12_06_15_00_00.123"));
        Path file = Files.writeString(timestamped.resolve("password"), PASSWORD + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        Files.createSymbolicLink(volume.resolve("..data"), timestamped.getFileName());
        Path key = Files.createSymbolicLink(volume.resolve("password"), Path.of("..data/password"));
        CliTestSupport.Run r = run("snapshots", "--repo", repo.toString(), "--password-file", key.toString());
        assertThat(r.exit()).as(r.toString()).isZero();

        // the target's mode is what counts: a group-readable target behind a private-looking link is refused
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertOneLineError(run("snapshots", "--repo", repo.toString(), "--password-file", key.toString()), ExitCodes.ERROR,
                "is accessible by group or others", "chmod 600");
    }
}
