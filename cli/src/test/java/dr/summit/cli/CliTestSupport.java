package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Runs the CLI in-process and builds small repositories and trees for the CLI tests. */
final class CliTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    /** init options that keep tests fast: cheap Argon2, 64/128/512 KiB chunks, 1 MiB packs. */
    static final String[] FAST_INIT = {"--kdf-memory-kib", "64", "--kdf-iterations", "1", "--pack-size-mib", "1",
            "--chunk-min-kib", "64", "--chunk-avg-kib", "128", "--chunk-max-kib", "512"};

    private CliTestSupport() {
    }

    /** A long command's --json output is NDJSON ending with its summary line; anything else is returned as is. */
    static String summaryOf(String out) {
        if (!out.startsWith("{\"message_type\":\"status\"") && !out.startsWith("{\"message_type\":\"summary\"")
                || out.strip().indexOf('\n') < 0) {
            return out;   // a document, an error object, or a single line
        }
        String[] lines = out.strip().split("\n");
        String last = lines[lines.length - 1];
        assertThat(last).as("the stream ends with its summary").startsWith("{\"message_type\":\"summary\"");
        return last;
    }

    /** What one command line did. */
    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }

        /** The entries of an NDJSON listing (ls --json): its "node" lines. */
        com.fasterxml.jackson.databind.node.ArrayNode nodes() {
            com.fasterxml.jackson.databind.node.ArrayNode nodes = JSON.createArrayNode();
            for (String line : out.strip().split("\n")) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if ("node".equals(n.path("message_type").asText())) {
                        nodes.add(n);
                    }
                } catch (IOException e) {
                    throw new AssertionError("not NDJSON: " + line, e);
                }
            }
            return nodes;
        }

        /** The output as JSON; for an NDJSON stream (status lines, then a summary), the summary line. */
        JsonNode json() {
            try {
                return JSON.readTree(summaryOf(out));
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code command} (one or two words) followed by the repository options and {@code rest}. */
    static Run run(Path repo, Path passwordFile, String command, String... rest) {
        List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
        args.addAll(List.of("--repo", repo.toString(), "--password-file", passwordFile.toString()));
        args.addAll(Arrays.asList(rest));
        return run(args.toArray(String[]::new));
    }

    static Run ok(Path repo, Path passwordFile, String command, String... rest) {
        Run r = run(repo, passwordFile, command, rest);
        assertThat(r.exit()).as("%s %s\n%s", command, String.join(" ", rest), r).isZero();
        return r;
    }

    /** The README's promise for errors: one line on stderr, "summit-dr: …", no stack trace. */
    static void assertOneLineError(Run r, int exit, String... fragments) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).as(r.toString()).startsWith("summit-dr: ").doesNotContain("\tat ").contains(fragments);
    }

    static Path passwordFile(Path file, String password) throws IOException {
        Files.writeString(file, password + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    static Path writeRandom(Path file, Random random, int size) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] b = new byte[size];
        random.nextBytes(b);
        return Files.write(file, b);
    }

    /** A small tree: a few random files in nested directories, text, a symlink. */
    static Path sampleTree(Path root, long seed) throws IOException {
        Random random = new Random(seed);
        writeRandom(root.resolve("docs/reports/q1.bin"), random, 400_000);
        writeRandom(root.resolve("docs/reports/q2.bin"), random, 350_000);
        Files.writeString(root.resolve("docs/readme.txt"), "read me\n");
        writeRandom(root.resolve("media/photo.raw"), random, 900_000);
        writeRandom(root.resolve("media/clip.raw"), random, 600_000);
        Files.writeString(root.resolve("notes.txt"), "notes\n");
        Files.createSymbolicLink(root.resolve("latest"), Path.of("docs/reports/q2.bin"));
        return root;
    }

    /** Regular files below root (relative path → bytes), to check restores byte for byte. */
    static java.util.Map<String, byte[]> regularFiles(Path root) throws IOException {
        java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** This JVM's java and class path running the CLI's main class in a process of its own, as the launcher would. */
    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/sun.nio.fs=ALL-UNNAMED", "-Xmx512m", "-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static void deleteRecursively(Path root) throws IOException, InterruptedException {
        // rm copes with paths longer than PATH_MAX, which Files.walk cannot open.
        Process p = new ProcessBuilder("rm", "-rf", "--", root.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("rm -rf " + root + " failed");
        }
    }
}
