package dr.summit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deployment files (Dockerfile, docker-compose.pitr.yml, k8s/) cannot run here (no Docker, no
 * cluster); they are checked statically instead: every summit-dr command line they hold must parse
 * with the real picocli model, and the files they mount or copy must exist.
 */
class ManifestsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String IMAGE = "summit/dr-orchestrator";

    /**
     * Commands the orchestrator branch adds, with the options these files use. Checked against the
     * real model as soon as the command exists here; the lead removes this list after the merge.
     */

    private final YAMLMapper yaml = new YAMLMapper();
    private final List<String> checked = new ArrayList<>();

    @Test
    void everySummitDrCommandLineInTheDeploymentFilesParses() throws IOException {
        List<Invocation> all = new ArrayList<>();
        all.addAll(compose());
        all.addAll(kubernetes());
        all.addAll(dockerfile());
        for (Invocation i : all) {
            check(i);
        }
        // the files do hold what the issue asks for, so this test cannot pass by finding nothing
        assertThat(checked).anyMatch(c -> c.startsWith("pg backup")).anyMatch(c -> c.startsWith("agent"))
                .anyMatch(c -> c.startsWith("pg wal-push")).anyMatch(c -> c.startsWith("server")).anyMatch(c -> c.startsWith("init"));
    }

    @Test
    void aWrongFlagIsCaught() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> check(new Invocation("test", List.of("pg", "backup", "--pg-data", "/x"))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("--pg-data");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> check(new Invocation("test", List.of("bakup"))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("bakup");
    }

    @Test
    void composeMountsFilesThatExistAndWiresPrometheusAndGrafanaToOurs() throws IOException {
        JsonNode services = yaml.readTree(ROOT.resolve("docker-compose.pitr.yml").toFile()).path("services");
        assertThat(services.fieldNames()).toIterable().contains("postgres", "wal-agent", "orchestrator", "s3", "prometheus", "grafana");
        for (JsonNode service : services) {
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./")) {
                    assertThat(ROOT.resolve(source)).as(volume.asText()).exists();
                }
            }
        }
        assertThat(services.path("grafana").path("volumes").toString())
                .contains("./ops/observability/grafana/dashboards:/var/lib/grafana/dashboards/summit-dr");
        JsonNode prometheus = yaml.readTree(ROOT.resolve("ops/observability/prometheus/prometheus.yml").toFile());
        assertThat(prometheus.path("rule_files").get(0).asText()).isEqualTo("/etc/prometheus/rules/*.rules.yml");
        assertThat(ROOT.resolve("ops/observability/prometheus/rules/summit-dr.rules.yml")).exists();
    }

    @Test
    void dockerfileIsMultiStageNonRootWithAHealthCheckAndCopiesWhatExists() throws IOException {
        String text = Files.readString(ROOT.resolve("Dockerfile"));
        assertThat(Pattern.compile("(?m)^FROM ").matcher(text).results().count()).isGreaterThanOrEqualTo(2);
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(text);
        assertThat(user.find()).isTrue();
        assertThat(user.group(1)).doesNotStartWith("root").doesNotStartWith("0:").isNotEqualTo("0");
        assertThat(text).containsPattern("(?m)^HEALTHCHECK .*\\n?.*CMD ");
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(?:--chmod=\\S+ )?(.+) (\\S+)$").matcher(text);
        int copies = 0;
        while (copy.find()) {
            for (String source : copy.group(1).trim().split("\\s+")) {
                assertThat(ROOT.resolve(source)).as("COPY %s", source).exists();
                copies++;
            }
        }
        assertThat(copies).isGreaterThan(5);
        // Maven reads every module of the parent pom, even with -pl: each one's pom must be in the build stage.
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        while (module.find()) {
            assertThat(text).as("Dockerfile copies module %s's pom", module.group(1)).contains("COPY " + module.group(1) + "/pom.xml ");
        }
    }

    // ------------------------------------------------------------------ collecting command lines

    record Invocation(String where, List<String> args) {
    }

    private List<Invocation> compose() throws IOException {
        List<Invocation> out = new ArrayList<>();
        JsonNode services = yaml.readTree(ROOT.resolve("docker-compose.pitr.yml").toFile()).path("services");
        services.properties().forEach(e -> {
            String where = "docker-compose.pitr.yml service " + e.getKey();
            JsonNode s = e.getValue();
            boolean ours = s.path("image").asText().startsWith(IMAGE);
            List<String> command = strings(s.path("command"));
            if (ours && s.path("entrypoint").isMissingNode()) {
                out.add(new Invocation(where, command));
            } else {
                command.forEach(c -> out.addAll(fromShell(where, c)));
            }
        });
        return out;
    }

    private List<Invocation> kubernetes() throws IOException {
        List<Invocation> out = new ArrayList<>();
        List<Path> files;
        try (var walk = Files.walk(ROOT.resolve("k8s"))) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).extracting(p -> ROOT.relativize(p).toString()).contains("k8s/postgres-pitr/base-backup-cronjob.yaml");
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        for (Path file : files) {
            try (var docs = mapper.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
                while (docs.hasNext()) {
                    JsonNode doc = docs.next();
                    assertThat(doc.path("apiVersion").asText()).as(file.toString()).isNotEmpty();
                    JsonNode pod = switch (doc.path("kind").asText()) {
                        case "Deployment", "StatefulSet", "DaemonSet", "Job" -> doc.path("spec").path("template").path("spec");
                        case "CronJob" -> doc.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
                        default -> null;
                    };
                    if (pod == null) {
                        continue;
                    }
                    for (String list : new String[]{"initContainers", "containers"}) {
                        for (JsonNode c : pod.path(list)) {
                            String where = ROOT.relativize(file) + " " + doc.path("metadata").path("name").asText() + "/" + c.path("name").asText();
                            List<String> args = strings(c.path("args"));
                            if (c.path("image").asText().startsWith(IMAGE) && c.path("command").isMissingNode()) {
                                out.add(new Invocation(where, args));
                            } else {
                                args.forEach(a -> out.addAll(fromShell(where, a)));
                                strings(c.path("command")).forEach(a -> out.addAll(fromShell(where, a)));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private List<Invocation> dockerfile() throws IOException {
        String text = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher cmd = Pattern.compile("(?m)^CMD (\\[.*])$").matcher(text);
        List<Invocation> out = new ArrayList<>();
        while (cmd.find()) {
            out.add(new Invocation("Dockerfile CMD", strings(new ObjectMapper().readTree(cmd.group(1)))));
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    /** summit-dr (and summit-dr-wal-push, which takes 'pg wal-push' arguments) inside a shell line or archive_command. */
    static List<Invocation> fromShell(String where, String line) {
        List<Invocation> out = new ArrayList<>();
        for (String part : line.split("&&|\\|\\||;|\\|")) {
            List<String> words = new ArrayList<>(Arrays.asList(part.trim().replaceAll("^[a-z_]+_command=", "").split("\\s+")));
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i).replace("'", "").replace("\"", "");
                List<String> prefix = w.equals("summit-dr") || (w.startsWith("/") && w.endsWith("/summit-dr")) ? List.of()
                        : w.equals("summit-dr-wal-push") || (w.startsWith("/") && w.endsWith("/summit-dr-wal-push")) ? List.of("pg", "wal-push") : null;
                if (prefix == null) {
                    continue;
                }
                List<String> args = new ArrayList<>(prefix);
                for (String a : words.subList(i + 1, words.size())) {
                    if (a.startsWith(">") || a.matches("\\d?>.*")) {
                        break;   // a redirection ends the arguments
                    }
                    args.add(a.replace("'", "").replace("\"", ""));
                }
                out.add(new Invocation(where, args));
                break;
            }
        }
        return out;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (node.isTextual()) {
            out.add(node.asText());
        }
        return out;
    }

    // ------------------------------------------------------------------ checking against picocli

    private void check(Invocation i) {
        CommandLine command = Main.commandLine();
        List<String> args = i.args();
        int at = 0;
        StringBuilder path = new StringBuilder();
        while (at < args.size() && !args.get(at).startsWith("-") && command.getSubcommands().containsKey(args.get(at))) {
            command = command.getSubcommands().get(args.get(at));
            path.append(path.length() == 0 ? "" : " ").append(args.get(at));
            at++;
        }
        assertThat(path.length()).as("%s: 'summit-dr %s' is no command of summit-dr", i.where(), args.isEmpty() ? "(nothing)" : args.get(0)).isPositive();
        CommandSpec spec = command.getCommandSpec();
        assertThat(spec.subcommands()).as("%s: 'summit-dr %s' needs a subcommand", i.where(), path).isEmpty();
        int positionals = 0;
        for (; at < args.size(); at++) {
            String a = args.get(at);
            if (a.startsWith("-") && a.length() > 1) {
                String name = a.split("=", 2)[0];
                OptionSpec option = spec.findOption(name);
                assertThat(option).as("%s: 'summit-dr %s' has no option %s; it has %s", i.where(), path, name,
                        new TreeSet<>(spec.optionsMap().keySet())).isNotNull();
                if (option.arity().max() > 0 && !a.contains("=")) {
                    at++;
                    assertThat(at).as("%s: %s needs a value", i.where(), name).isLessThan(args.size());
                }
            } else {
                positionals++;
            }
        }
        int max = spec.positionalParameters().stream().mapToInt(p -> p.arity().max()).sum();
        assertThat(positionals).as("%s: 'summit-dr %s' takes at most %d arguments", i.where(), path, max).isLessThanOrEqualTo(max);
        checked.add(path.toString());
    }
}
