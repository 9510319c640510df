package dr.summit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Runs the benchmark scripts of bench/ on a few MB, once, so that CI notices when they break: the
 * Summit tools always, restic and borg (lz4) only where installed. The CLI runs from this test's
 * class path (the module depends on it), not through ./summit-dr, so no build happens in here.
 */
class HarnessSmokeTest {
    private static final Path BENCH = Path.of("").toAbsolutePath();
    private static final String[] STEPS = {"first backup", "unchanged re-backup", "changed backup", "full restore"};

    @TempDir
    Path tmp;

    @Test
    void fileBackupRunsEveryStepForEveryToolAndAppendsRawRows() throws Exception {
        Path tree = tree(tmp.resolve("tree"));
        Path results = tmp.resolve("results/file-backup.tsv");
        List<String> tools = new ArrayList<>(List.of("summit-default", "summit-fast"));
        if (onPath("restic")) {
            tools.add("restic");
        }
        if (onPath("borg")) {
            tools.add("borg-lz4");
        }
        Path change = script(tmp.resolve("change.sh"), "#!/bin/sh\nset -e\ncp -a \"$1\" \"$2\"\n"
                + "echo 'one more line' >> \"$2/text/t007.txt\"\nrm \"$2/text/t011.txt\"\n"
                + "mkdir \"$2/added\" && head -c 100000 /dev/urandom > \"$2/added/new.bin\"\n");

        Result r = run(Map.of("TOOLS", String.join(" ", tools), "BENCH_CHANGE_CMD", change.toString(),
                "RESULTS", results.toString(), "BENCH_WORK", tmp.resolve("work").toString()),
                "file-backup.sh", tree.toString(), "1");

        assertThat(r.exit).as(r.toString()).isZero();
        for (String step : STEPS) {
            for (String tool : tools) {
                assertThat(r.out).as(r.toString()).containsPattern("(?m)^\\| " + step + " \\| " + tool + " \\| [0-9]");
            }
        }
        List<String> rows = Files.readAllLines(results);
        assertThat(rows.get(0)).startsWith("date\tmachine\tcache\ttool\t");
        assertThat(rows).hasSize(1 + 4 * tools.size());
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split("\t", -1);
            assertThat(f).as(row).hasSize(13);
            assertThat(f[2]).isEqualTo("warm");
            assertThat(f[6]).isEqualTo("1");
            assertThat(Double.parseDouble(f[7])).as("wall s: %s", row).isPositive();
            assertThat(Long.parseLong(f[9])).as("peak RSS: %s", row).isPositive();
            assertThat(Long.parseLong(f[10])).as("repository bytes: %s", row).isPositive();
        }
        assertThat(tmp.resolve("work")).doesNotExist();
    }

    @Test
    void memoryScriptPrintsATableRowPerDataSetAndStep() throws Exception {
        Path results = tmp.resolve("memory.tsv");
        Result r = run(Map.of("RESULTS", results.toString(), "BENCH_WORK", tmp.resolve("work").toString()),
                "memory.sh", "--sizes", "2M", "--files", "300", "--ops", "backup,restore");

        assertThat(r.exit).as(r.toString()).isZero();
        for (String data : List.of("one 2M file", "300 files")) {
            for (String step : List.of("backup", "restore")) {
                assertThat(r.out).as(r.toString()).containsPattern("(?m)^\\| " + data + " \\| " + step + " \\| 1 \\| [0-9]");
            }
        }
        assertThat(Files.readAllLines(results)).hasSize(1 + 4);
    }

    private record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs bench/SCRIPT with the CLI on this class path, cheap key derivation and warm caches. */
    private Result run(Map<String, String> env, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", BENCH.resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectOutput(tmp.resolve(script + ".out").toFile())
                .redirectError(tmp.resolve(script + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        pb.environment().put("SUMMIT", launcher().toString());
        pb.environment().put("SUMMIT_INIT_ARGS", "--kdf-memory-kib 64 --kdf-iterations 1");
        pb.environment().put("CACHE", "warm");
        pb.environment().put("BENCH_MACHINE", "smoke test");
        Process p = pb.start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish within 150 s\n"
                    + Files.readString(tmp.resolve(script + ".err")));
        }
        return new Result(p.exitValue(), Files.readString(tmp.resolve(script + ".out")),
                Files.readString(tmp.resolve(script + ".err")));
    }

    /** A summit-dr command running the CLI from this JVM's class path, as the launcher would run the jar. */
    private Path launcher() throws IOException {
        Path script = tmp.resolve("summit-dr");
        if (!Files.exists(script)) {
            script(script, "#!/bin/sh\nexec " + Path.of(System.getProperty("java.home"), "bin", "java")
                    + " --add-opens java.base/sun.nio.fs=ALL-UNNAMED -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
                    + " -cp '" + System.getProperty("java.class.path") + "' dr.summit.cli.Main \"$@\"\n");
        }
        return script;
    }

    private static Path script(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    /** About 4 MB: text files, random files, one 2 MiB file, a symlink and an empty directory. */
    private static Path tree(Path root) throws IOException {
        Random rnd = new Random(42);
        Files.createDirectories(root.resolve("text"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("empty"));
        for (int i = 0; i < 40; i++) {
            StringBuilder sb = new StringBuilder();
            for (int line = 0; line < 100 + rnd.nextInt(900); line++) {
                sb.append("2026-11-25 INFO worker-").append(rnd.nextInt(8)).append(" request ").append(rnd.nextInt())
                        .append(" took ").append(rnd.nextInt(5000)).append(" ms\n");
            }
            Files.writeString(root.resolve(String.format("text/t%03d.txt", i)), sb, StandardCharsets.US_ASCII);
        }
        for (int i = 0; i < 10; i++) {
            byte[] b = new byte[1000 + rnd.nextInt(60_000)];
            rnd.nextBytes(b);
            Files.write(root.resolve(String.format("bin/b%03d.bin", i)), b);
        }
        byte[] big = new byte[2 << 20];
        rnd.nextBytes(big);
        Files.write(root.resolve("bin/big.bin"), big);
        Files.createSymbolicLink(root.resolve("bin/link"), Path.of("../text/t000.txt"));
        return root;
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
