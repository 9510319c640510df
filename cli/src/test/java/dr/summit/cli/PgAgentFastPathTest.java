package dr.summit.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * restore_command's and archive_command's shell fast paths read their arguments as the JVM command
 * does (issue 14, item 7: 'pg wal-fetch --age-identity FILE NAME PATH --agent SOCK' sent
 * name=FILE to the agent, and recovery ended early). Every value-taking option of the commands, in
 * both spellings and in every position, against a live agent; and the forms the scripts do not know
 * go to the JVM. The script copies have no jar and no Maven on their PATH, so a hand-over to the JVM
 * fails: what succeeds went through the agent.
 */
class PgAgentFastPathTest {

    /** One extra option as it may be written: separate value, or --name=value. */
    private static List<List<String>> optionForms(String command) {
        CommandLine.Model.CommandSpec spec = Main.commandLine().getSubcommands().get("pg").getSubcommands().get(command).getCommandSpec();
        List<List<String>> forms = new ArrayList<>();
        forms.add(List.of());
        forms.add(List.of("--debug"));
        for (OptionSpec option : spec.options()) {
            if (option.arity().max() == 0 || option.longestName().equals("--agent")) {
                continue;
            }
            String value = option.longestName().equals("--cluster") ? LiveAgent.CLUSTER : "/etc/summit/" + option.longestName().substring(2) + ".txt";
            for (String name : option.names()) {
                forms.add(List.of(name, value));
                if (name.startsWith("--")) {
                    forms.add(List.of(name + "=" + value));
                }
            }
        }
        return forms;
    }

    /**
     * The arguments with {@code agent} inserted before positional {@code agentAt}, then
     * {@code option} before argument unit {@code at} (a unit: a positional, or an option with its value).
     */
    private static List<String> arguments(List<String> positionals, List<String> agent, int agentAt, List<String> option, int at) {
        List<List<String>> units = new ArrayList<>();
        positionals.forEach(p -> units.add(List.of(p)));
        units.add(agentAt, agent);
        units.add(at, option);
        return units.stream().flatMap(List::stream).toList();
    }

    /** archive_command's HTTP client, built by Maven where gcc is (src/main/c). */
    private static final Path NATIVE_CLIENT = Path.of("target", "summit-dr-wal-push-client").toAbsolutePath();

    /** Scripts copied beside each other without a jar, with the native client when it was built, and a PATH with only what the fast paths use. */
    private static Path scripts(LiveAgent a) throws Exception {
        return scripts(a, true);
    }

    private static Path scripts(LiveAgent a, boolean nativeClient) throws Exception {
        Path dir = Files.createDirectories(a.work.resolve(nativeClient ? "opt" : "opt-curl"));
        Files.copy(Path.of("..", "summit-dr").toAbsolutePath().normalize(), dir.resolve("summit-dr"));
        Files.copy(Path.of("..", "summit-dr-wal-push").toAbsolutePath().normalize(), dir.resolve("summit-dr-wal-push"));
        if (Files.exists(Path.of("/usr/bin/gcc"))) {
            assertThat(NATIVE_CLIENT).as("built by Maven where gcc is").isExecutable();
        }
        if (nativeClient && Files.isExecutable(NATIVE_CLIENT)) {
            Files.copy(NATIVE_CLIENT, dir.resolve("summit-dr-wal-push-client"));
        }
        PgTestCluster.sh("chmod", "755", dir.resolve("summit-dr").toString(), dir.resolve("summit-dr-wal-push").toString());
        Path bin = Files.createDirectories(a.work.resolve("bin"));
        for (String tool : List.of("bash", "sh", "curl", "dirname", "readlink", "find", "cat", "rm", "mktemp", "touch")) {
            String real = PgTestCluster.sh("sh", "-c", "command -v " + tool).trim();
            if (!Files.exists(bin.resolve(tool), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(bin.resolve(tool), Path.of(real));
            }
        }
        return dir;
    }

    private static int run(LiveAgent a, Path script, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(a.pgdata.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", a.work.resolve("bin").toString());
        pb.environment().remove("SUMMIT_WAL_PUSH_IN_PROCESS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        if (exit != 0) {
            System.out.println(String.join(" ", args) + " -> " + exit + ": " + out.trim());
        }
        return exit;
    }

    /** The script as archive_command names it: with the native client beside it (where gcc built one), then with curl. */
    @Test
    void walPushClientHandsTheRightFileToTheAgentWithEveryOptionInEveryPosition() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            int n = 1;
            for (Path client : List.of(scripts(a, true).resolve("summit-dr-wal-push"), scripts(a, false).resolve("summit-dr-wal-push"))) {
                for (List<String> agentOption : List.of(List.of("--agent", a.socket.toString()), List.of("--agent=" + a.socket))) {
                    for (int agentAt = 0; agentAt <= 1; agentAt++) {
                        for (List<String> option : optionForms("wal-push")) {
                            for (int at = 0; at <= 2; at++) {
                                String name = LiveAgent.segmentName(n++);
                                a.segment(name, 8192, n);
                                List<String> args = arguments(List.of("pg_wal/" + name), agentOption, agentAt, option, at);
                                assertThat(run(a, client, args)).as("%s", args).isZero();
                                assertThat(a.request("GET", "/status").body()).as("%s", args).contains("\"lastArchivedWal\":\"" + name + "\"");
                            }
                        }
                    }
                }
            }
            assertThat(a.archived()).hasSize(n - 1);
        }
    }

    @Test
    void launcherFetchPathAsksTheAgentForTheRightNameAndPathWithEveryOptionInEveryPosition() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path launcher = scripts(a).resolve("summit-dr");
            String name = LiveAgent.segmentName(3);
            byte[] content = Files.readAllBytes(a.segment(name, 8192, 3));
            assertThat(a.push(a.pgWal.resolve(name)).status()).isEqualTo(200);
            Path destination = a.pgWal.resolve("RECOVERYXLOG");
            int runs = 0;
            for (List<String> agentOption : List.of(List.of("--agent", a.socket.toString()), List.of("--agent=" + a.socket))) {
                for (int agentAt = 0; agentAt <= 2; agentAt++) {
                    for (List<String> option : optionForms("wal-fetch")) {
                        for (int at = 0; at <= 3; at++) {
                            List<String> args = arguments(List.of(name, "pg_wal/RECOVERYXLOG"), agentOption, agentAt, option, at);
                            Files.deleteIfExists(destination);
                            List<String> command = new ArrayList<>(List.of("pg", "wal-fetch"));
                            command.addAll(args);
                            assertThat(run(a, launcher, command)).as("%s", command).isZero();
                            assertThat(Files.readAllBytes(destination)).as("%s", command).isEqualTo(content);
                            runs++;
                        }
                    }
                }
            }
            assertThat(a.request("GET", "/status").body()).contains("\"fetched\":" + runs);
        }
    }

    @Test
    void theReportedRestoreCommandFetchesTheSegmentNotTheIdentityFile() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path launcher = scripts(a).resolve("summit-dr");
            String name = LiveAgent.segmentName(3);
            a.segment(name, 8192, 3);
            assertThat(a.push(a.pgWal.resolve(name)).status()).isEqualTo(200);
            assertThat(run(a, launcher, List.of("pg", "wal-fetch", "--age-identity", "/etc/summit/id.txt", name, "pg_wal/RECOVERYXLOG",
                    "--agent", a.socket.toString()))).isZero();
            assertThat(Files.readAllBytes(a.pgWal.resolve("RECOVERYXLOG"))).isEqualTo(Files.readAllBytes(a.pgWal.resolve(name)));
        }
    }

    @Test
    void curlCarriesThePushWhereTheNativeClientIsMissing() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path client = scripts(a, false).resolve("summit-dr-wal-push");
            for (int n = 1; n <= 3; n++) {
                String name = LiveAgent.segmentName(n);
                a.segment(name, 8192, n);
                assertThat(run(a, client, List.of("pg_wal/" + name, "--agent", a.socket.toString(), "--cluster", LiveAgent.CLUSTER))).isZero();
            }
            String refused = LiveAgent.segmentName(4);
            a.segment(refused, 8192, 4);
            assertThat(run(a, client, List.of("pg_wal/" + refused, "--agent", a.socket.toString(), "--cluster", "other"))).isEqualTo(1);
            assertThat(a.archived()).containsExactly(LiveAgent.segmentName(1), LiveAgent.segmentName(2), LiveAgent.segmentName(3));
        }
    }

    @Test
    void theScriptFindsTheNativeClientOnThePath() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(NATIVE_CLIENT), "no gcc here: the native client was not built");
        try (LiveAgent a = LiveAgent.start()) {
            Path script = scripts(a, false).resolve("summit-dr-wal-push");
            Path bin = a.work.resolve("bin");
            // No curl, and no jar beside the launcher copy: only the client on the PATH can archive.
            Files.delete(bin.resolve("curl"));
            Files.createSymbolicLink(bin.resolve("summit-dr-wal-push-client"), NATIVE_CLIENT);
            String name = LiveAgent.segmentName(5);
            a.segment(name, 8192, 5);
            assertThat(run(a, script, List.of("pg_wal/" + name, "--agent", a.socket.toString()))).isZero();
            assertThat(a.archived()).containsExactly(name);
        }
    }

    @Test
    void nativeClientEncodesEveryByteOfThePathAndSaysWhatTheAgentAnswered() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(NATIVE_CLIENT), "no gcc here: the native client was not built");
        // Every character that means something in a query string or a URL, a space, and UTF-8.
        try (LiveAgent a = LiveAgent.startWithDataDirectory("data dir &=?#%+;'\"é")) {
            Path opt = scripts(a);
            String name = LiveAgent.segmentName(9);
            Path segment = a.segment(name, 16384, 9);
            CliTestSupport.Run ok = runNative(opt, a.work, segment.toString(), "--agent", a.socket.toString());
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(a.archived()).containsExactly(name);
            assertThat(a.request("GET", "/status").body()).contains("\"lastArchivedWal\":\"" + name + "\"");

            CliTestSupport.Run refused = runNative(opt, a.work, segment.toString(), "--agent", a.socket.toString(), "--cluster", "other");
            assertThat(refused.exit()).as("the agent's refusal is the push's failure").isEqualTo(1);
            assertThat(refused.err()).contains("'other'");
        }
    }

    @Test
    void nativeClientHandsWhatItIsNotSureOfToTheJvmWithTheSameArguments() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(NATIVE_CLIENT), "no gcc here: the native client was not built");
        try (LiveAgent a = LiveAgent.start()) {
            Path opt = scripts(a);
            // A stand-in for the launcher beside the client: it says how it was called.
            Path calls = a.work.resolve("jvm-calls");
            Files.writeString(opt.resolve("summit-dr"), "#!/bin/sh\necho \"$SUMMIT_WAL_PUSH_IN_PROCESS $*\" >> " + calls + "\nexit 5\n");
            String name = LiveAgent.segmentName(3);
            a.segment(name, 8192, 3);
            String nobody = a.work.resolve("nobody.sock").toString();
            List<List<String>> notSure = List.of(
                    List.of("pg_wal/" + name, "--agent", nobody),                        // nobody listening
                    List.of("pg_wal/" + name, "--agent", a.socket.toString(), "--quiet"),   // a flag only the JVM reads
                    List.of("pg_wal/" + name, "--agent", a.socket.toString(), "--repo a", "b"),   // no option holds a space
                    List.of("pg_wal/" + name, "--repo", "r", "--agent", a.socket.toString(), "-r", "s"),   // given twice
                    List.of("--agent", a.socket.toString()));                              // no file
            for (List<String> args : notSure) {
                CliTestSupport.Run run = runNative(opt, a.pgdata, args.toArray(String[]::new));
                assertThat(run.exit()).as("%s: the JVM's exit code", args).isEqualTo(5);
            }
            List<String> expected = notSure.stream().map(args -> "1 pg wal-push " + String.join(" ", args)).toList();
            assertThat(Files.readAllLines(calls)).isEqualTo(expected);
            assertThat(a.archived()).isEmpty();
        }
    }

    /** The client as archive_command runs it: from the scripts' directory, in {@code cwd}. */
    private static CliTestSupport.Run runNative(Path opt, Path cwd, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(opt.resolve("summit-dr-wal-push-client").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().remove("SUMMIT_WAL_PUSH_IN_PROCESS");
        pb.environment().remove("SUMMIT_AGENT");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new CliTestSupport.Run(p.waitFor(), out, err);
    }

    @Test
    void anotherClusterNameThanTheAgentsIsRefusedNotArchivedUnderTheAgentsName() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path dir = scripts(a);
            String name = LiveAgent.segmentName(8);
            a.segment(name, 8192, 8);
            for (List<String> cluster : List.of(List.of("--cluster", "other"), List.of("--cluster=other"))) {
                List<String> push = new ArrayList<>(List.of("pg_wal/" + name, "--agent", a.socket.toString()));
                push.addAll(cluster);
                assertThat(run(a, dir.resolve("summit-dr-wal-push"), push)).as("%s", push).isEqualTo(1);
            }
            assertThat(a.archived()).isEmpty();
            assertThat(a.push(a.pgWal.resolve(name)).status()).isEqualTo(200);
            List<String> fetch = List.of("pg", "wal-fetch", name, "pg_wal/RECOVERYXLOG", "--agent", a.socket.toString(), "--cluster", "other");
            assertThat(run(a, dir.resolve("summit-dr"), fetch)).isEqualTo(1);
            assertThat(Files.exists(a.pgWal.resolve("RECOVERYXLOG"))).isFalse();
            assertThat(a.stop().err()).contains("this agent archives cluster 'main', the command names --cluster 'other'");
        }
    }

    @Test
    void formsTheFastPathsDoNotKnowGoToTheJvm() throws Exception {
        try (LiveAgent a = LiveAgent.start()) {
            Path dir = scripts(a);
            String sock = a.socket.toString();
            List<List<String>> unknown = List.of(
                    List.of("--agent", sock, "--agent", sock),
                    List.of("--agent", sock, "--repo", "-x"),
                    List.of("--agent", sock, "-r/etc/repo"),
                    List.of("--agent", sock, "--no-such-option"),
                    List.of("--agent", sock, "@/etc/args"),
                    List.of("--agent", sock, "-h"),
                    List.of("--agent", sock, "extra-positional"),
                    List.of("--agent", sock, "--repo"));
            String name = LiveAgent.segmentName(7);
            a.segment(name, 8192, 7);
            for (List<String> rest : unknown) {
                List<String> push = new ArrayList<>(List.of("pg_wal/" + name));
                push.addAll(rest);
                assertThat(run(a, dir.resolve("summit-dr-wal-push"), push)).as("%s", push).isNotZero();
                List<String> fetch = new ArrayList<>(List.of("pg", "wal-fetch", name, "pg_wal/RECOVERYXLOG"));
                fetch.addAll(rest);
                assertThat(run(a, dir.resolve("summit-dr"), fetch)).as("%s", fetch).isNotZero();
            }
            assertThat(a.archived()).isEmpty();
            assertThat(a.request("GET", "/status").body()).contains("\"pushed\":0").contains("\"fetched\":0");
        }
    }
}
