package dr.summit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs bench/pg-compare.sh once on a tiny cluster (pgbench scale 1, a 3 s run, 2 segments per WAL
 * push mode), so that CI notices when it breaks: Summit and pg_basebackup always, pgBackRest only
 * where installed. About 40 s. Needs what the script needs — root, PostgreSQL 15's server, curl —
 * and the CLI's jar from the same build (cli/target/summit-dr.jar; the reactor packages the CLI
 * before this module): skipped where any is missing. The launcher and jar are copied, so no build
 * happens in here.
 */
class PgCompareSmokeTest {
    private static final Path BENCH = Path.of("").toAbsolutePath();
    private static final Path JAR = BENCH.resolveSibling("cli").resolve("target").resolve("summit-dr.jar");
    private static final String[] STEPS = {"full backup", "second backup", "restore latest", "PITR to end of pgbench"};

    @TempDir
    Path tmp;

    @Test
    void runsEveryStepForEveryToolChecksThePitrAndAppendsRawRows() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the script runs the servers through runuser: needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/postgresql/15/bin/initdb")), "PostgreSQL 15's server is not installed");
        assumeTrue(onPath("curl") && onPath("runuser") && onPath("python3"), "curl, runuser and python3 are needed");
        assumeTrue(Files.isRegularFile(JAR), "the CLI jar is not built: " + JAR);

        // The postgres user works below this test's directory.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path launcher = tmp.resolve("summit/summit-dr");
        Files.createDirectories(launcher.resolveSibling("cli").resolve("target"));
        Files.copy(BENCH.resolveSibling("summit-dr"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The launcher's wal-push fast path is its companion script: they are installed together.
        Path client = launcher.resolveSibling("summit-dr-wal-push");
        Files.copy(BENCH.resolveSibling("summit-dr-wal-push"), client);
        Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(JAR, launcher.resolveSibling("cli").resolve("target").resolve("summit-dr.jar"));
        Path results = tmp.resolve("results/pg-compare.tsv");
        List<String> tools = new ArrayList<>(List.of("summit", "pg_basebackup"));
        if (onPath("pgbackrest")) {
            tools.add(1, "pgbackrest");
        }

        ProcessBuilder pb = new ProcessBuilder("bash", BENCH.resolve("pg-compare.sh").toString(), "--scale", "1",
                "--pgbench-seconds", "3", "--workdir", tmp.resolve("work").toString())
                .directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("TOOLS", String.join(" ", tools));
        pb.environment().put("SUMMIT", launcher.toString());
        pb.environment().put("SUMMIT_INIT_ARGS", "--kdf-memory-kib 64 --kdf-iterations 1");
        pb.environment().put("WAL_PUSH_SEGMENTS", "2");
        pb.environment().put("CACHE", "warm");
        pb.environment().put("BENCH_MACHINE", "smoke test");
        pb.environment().put("RESULTS", results.toString());
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroy();   // SIGTERM: the script's trap stops the servers and agents it started
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            throw new AssertionError("pg-compare.sh did not finish within 240 s\n" + Files.readString(tmp.resolve("err.txt")));
        }
        String out = Files.readString(tmp.resolve("out.txt"));
        String report = "exit " + p.exitValue() + "\n--- stdout\n" + out + "--- stderr\n" + Files.readString(tmp.resolve("err.txt"));

        assertThat(p.exitValue()).as(report).isZero();
        for (String step : STEPS) {
            for (String tool : tools) {
                assertThat(out).as(report).containsPattern("(?m)^\\| " + step + " \\| " + tool + " \\| [0-9]");
            }
        }
        // Up to WAL_PUSH_SEGMENTS (2) complete segments: a slow machine's 3 s of pgbench may fill only one.
        Matcher pushed = Pattern
                .compile("(?m)^\\| summit \\| new \\(upload during the call\\) \\| ([12]) \\| [0-9]").matcher(out);
        assertThat(pushed.find()).as(report).isTrue();
        assertThat(out).as(report).containsPattern("(?m)^\\| summit \\| uploaded ahead by the agent \\(overhead only\\) \\| "
                + pushed.group(1) + " \\| [0-9]");
        assertThat(out).as(report).containsPattern("(?m)^- WAL push beyond the upload itself: [0-9.]+ ms per segment");
        List<String> rows = Files.readAllLines(results);
        assertThat(rows.get(0)).startsWith("date\tmachine\tcache\tscale\tpgbench_s\ttool\t");
        int walRows = 3 + 1 + (tools.contains("pgbackrest") ? 2 : 0);   // summit new/ahead/repeat, cp, pgBackRest new/repeat
        assertThat(rows).as(report).hasSize(1 + 4 * tools.size() + walRows);
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split("\t", -1);
            assertThat(f).as(row).hasSize(17);
            assertThat(f[2]).isEqualTo("warm");
            assertThat(f[3]).isEqualTo("1");
            assertThat(Double.parseDouble(f[9])).as("wall s: %s", row).isPositive();
            assertThat(Long.parseLong(f[12])).as("peak RSS: %s", row).isPositive();
            if (!f[7].startsWith("walpush")) {
                assertThat(Long.parseLong(f[13])).as("repository bytes: %s", row).isPositive();
            }
        }
        assertThat(tmp.resolve("work")).doesNotExist();
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
