package dr.summit.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The shipped alert rules: valid for Prometheus ({@code promtool check rules}), behaving as their unit
 * tests say ({@code promtool test rules}), and naming only metrics this program exports.
 */
class AlertRulesTest {
    private static final Path RULES = OpsFiles.PROMETHEUS.resolve("rules/summit-dr.rules.yml");
    private static final Path TESTS = OpsFiles.PROMETHEUS.resolve("tests/summit-dr.rules.test.yml");

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() throws Exception {
        Assumptions.assumeTrue(promtool() != null, "promtool not installed (Debian package 'prometheus'; .ci/run installs it): skipped");
        assertPromtool("check", "rules", RULES.toString());
        assertPromtool("test", "rules", TESTS.toString());
    }

    @Test
    void theExpositionPassesPromtoolsMetricsLint() throws Exception {
        Assumptions.assumeTrue(promtool() != null, "promtool not installed (Debian package 'prometheus'; .ci/run installs it): skipped");
        Process p = new ProcessBuilder(promtool(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            OpsFiles.everythingRecorded().writeText(in);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics:%n%s", output).isZero();
        assertThat(output).as("lint findings").isBlank();
    }

    @Test
    void everyAlertTheSeedAndTheIssueNameIsThereWithARunbook() throws IOException {
        Set<String> alerts = new TreeSet<>();
        for (JsonNode rule : rules()) {
            alerts.add(rule.path("alert").asText());
            assertThat(rule.path("annotations").path("runbook").asText()).as(rule.toString()).startsWith("docs/operations.md#");
            assertThat(rule.path("labels").path("severity").asText()).isIn("warning", "critical");
        }
        assertThat(alerts).contains("RTOViolation", "RPOViolation", "BackupFailure", "WALArchiveLag", "BackupMissing",
                "KeyRotationDue", "DrillOverdue", "DrillFailed");
    }

    @Test
    void everyMetricARuleUsesIsExported() throws IOException {
        Set<String> exported = OpsFiles.exported(OpsFiles.everythingRecorded());
        for (JsonNode rule : rules()) {
            Set<String> used = OpsFiles.metricsIn(rule.path("expr").asText());
            assertThat(used).as(rule.path("alert").asText()).isNotEmpty();
            assertThat(exported).as("metrics of %s", rule.path("alert").asText()).containsAll(used);
        }
    }

    @Test
    void everyAlertHasAFiringAndAQuietUnitTest() throws IOException {
        JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(TESTS.toFile());
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? quiet : firing).add(check.path("alertname").asText());
            }
        }
        Set<String> alerts = new TreeSet<>();
        rules().forEach(r -> alerts.add(r.path("alert").asText()));
        assertThat(firing).as("alerts with a firing test").containsAll(alerts);
        assertThat(quiet).as("alerts with a not-firing test").containsAll(alerts);
    }

    private static List<JsonNode> rules() throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
        List<JsonNode> out = new ArrayList<>();
        root.path("groups").forEach(g -> g.path("rules").forEach(out::add));
        assertThat(out).isNotEmpty();
        return out;
    }

    static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool").toString();
            }
        }
        return null;
    }

    private static void assertPromtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(promtool()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(OpsFiles.PROMETHEUS.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as("%s%n%s", String.join(" ", command), output).isZero();
        assertThat(output).contains("SUCCESS");
    }
}
