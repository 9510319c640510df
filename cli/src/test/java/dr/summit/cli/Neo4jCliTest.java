package dr.summit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.jar.JarFile;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The neo4j command group without a server (the server round trips are the neo4j module's
 * Neo4jBackupTest, on real harness servers): the plugin jar, Enterprise artifacts in and out,
 * listing an empty catalogue, and bad input as one line.
 */
class Neo4jCliTest {
    @TempDir
    Path dir;

    private Path init() throws Exception {
        Path repo = dir.resolve("repo");
        Path pw = passwordFile(dir.resolve("pw"), "secret");
        String[] args = new String[FAST_INIT.length + 4];
        args[0] = "init";
        args[1] = "--repo";
        args[2] = repo.toString();
        args[3] = "--password-file=" + pw;
        System.arraycopy(FAST_INIT, 0, args, 4, FAST_INIT.length);
        assertThat(run(args).exit()).isZero();
        return repo;
    }

    @Test
    void pluginWritesAJarThatRegistersTheCaptureExtension() throws Exception {
        CliTestSupport.Run r = run("neo4j", "plugin", "--output", dir.resolve("plugins").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        Path jar = dir.resolve("plugins/summit-dr-neo4j-plugin.jar");
        try (JarFile j = new JarFile(jar.toFile())) {
            assertThat(new String(j.getInputStream(j.getEntry("META-INF/services/org.neo4j.kernel.extension.ExtensionFactory")).readAllBytes()))
                    .contains("dr.summit.neo4j.plugin.CaptureExtensionFactory");
            assertThat(j.getEntry("dr/summit/neo4j/plugin/CaptureProcedures.class")).isNotNull();
        }
    }

    /** A directory shaped like 'neo4j-admin database backup' output (full + differential artifacts); not produced by Enterprise here. */
    @Test
    void enterpriseArtifactsAreStoredAndGivenBackByteForByte() throws Exception {
        Path repo = init();
        Path pw = dir.resolve("pw");
        Path artifacts = dir.resolve("backups");
        CliTestSupport.writeRandom(artifacts.resolve("neo4j-2026-12-06T10-00-00.backup"), new Random(1), 700_000);
        CliTestSupport.writeRandom(artifacts.resolve("neo4j-2026-12-06T11-00-00.backup"), new Random(2), 90_000);
        CliTestSupport.Run stored = ok(repo, pw, "neo4j import-artifacts", artifacts.toString(), "--json");
        assertThat(stored.json().get("files").asLong()).isEqualTo(2);
        // the same artifacts again add (almost) nothing: deduplicated
        CliTestSupport.Run again = ok(repo, pw, "neo4j import-artifacts", artifacts.toString(), "--json");
        assertThat(again.json().get("storedBytes").asLong()).isLessThan(10_000);

        Path out = dir.resolve("out");
        ok(repo, pw, "neo4j restore", "--artifacts-to", out.toString());
        try (var files = Files.walk(out)) {
            var restored = files.filter(Files::isRegularFile).toList();
            assertThat(restored).hasSize(2);
            for (Path p : restored) {
                assertThat(Files.readAllBytes(p)).isEqualTo(Files.readAllBytes(artifacts.resolve(p.getFileName())));
            }
        }
        assertOneLineError(run(repo, pw, "neo4j restore", "--artifacts-to", out.toString()), ExitCodes.ERROR, "is not empty");
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path repo = init();
        Path pw = dir.resolve("pw");
        assertOneLineError(run(repo, pw, "neo4j backup", "--uri", "bolt://127.0.0.1:1"), ExitCodes.ERROR,
                "cannot reach Neo4j at bolt://127.0.0.1:1");
        // continuous mode reports each failed run and goes on; the last run's outcome is the exit code
        CliTestSupport.Run loop = run(repo, pw, "neo4j backup", "--uri", "bolt://127.0.0.1:1", "--interval", "1s", "--max-runs", "2");
        assertThat(loop.exit()).as(loop.toString()).isEqualTo(ExitCodes.ERROR);
        assertThat(loop.errLines()).hasSize(2).allMatch(l -> l.startsWith("summit-dr: cannot reach Neo4j at bolt://127.0.0.1:1"));
        assertOneLineError(run(repo, pw, "neo4j restore", "--uri", "bolt://127.0.0.1:1", "--until-time", "2026-12-06T10:00:00"),
                ExitCodes.USAGE, "explicit zone");
        assertOneLineError(run(repo, pw, "neo4j backup", "--full-every", "soon"), ExitCodes.USAGE, "--full-every");
        assertOneLineError(run(repo, pw, "neo4j restore", "--uri", "bolt://127.0.0.1:1"), ExitCodes.ERROR,
                "no complete Neo4j backup chain");
        assertThat(ok(repo, pw, "neo4j list").out()).contains("no Neo4j backups of database neo4j");
        assertThat(ok(repo, pw, "neo4j list", "--json").json().get("chains").size()).isZero();
        assertThat(ok(repo, pw, "neo4j verify").out()).startsWith("ok: 0 backups");
    }

    /** The offline restore's checks come before the repository is read (the round trip is the neo4j module's OfflineRestoreTest). */
    @Test
    void offlineRestoreBadInputIsOneLine() throws Exception {
        Path repo = init();
        Path pw = dir.resolve("pw");
        Path home = dir.resolve("neo4j-home");
        Files.createDirectories(home);
        assertOneLineError(run(repo, pw, "neo4j restore", "--neo4j-home", home.toString()), ExitCodes.ERROR,
                "no executable neo4j-admin at " + home.resolve("bin/neo4j-admin"));
        Path admin = home.resolve("bin/neo4j-admin");
        Files.createDirectories(admin.getParent());
        Files.writeString(admin, "#!/bin/sh\nexit 1\n");
        admin.toFile().setExecutable(true);
        Files.createDirectories(home.resolve("data/databases/neo4j"));
        Files.writeString(home.resolve("data/databases/neo4j/neostore"), "x");
        assertOneLineError(run(repo, pw, "neo4j restore", "--neo4j-home", home.toString()), ExitCodes.ERROR,
                "database 'neo4j' already exists in " + home.resolve("data/databases/neo4j"), "--force");
        assertOneLineError(run(repo, pw, "neo4j restore", "--neo4j-home", home.toString(), "--force"), ExitCodes.ERROR,
                "no complete Neo4j backup chain");
        assertOneLineError(run(repo, pw, "neo4j restore", "--neo4j-home", home.toString(), "--resume-import", "abc"), ExitCodes.USAGE,
                "not both");
    }
}
