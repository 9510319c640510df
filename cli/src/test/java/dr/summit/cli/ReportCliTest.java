package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.sampleTree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.cli.CliTestSupport.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** 'summit-dr report' on a real repository with real backups. */
class ReportCliTest {
    @TempDir Path tmp;
    Path repo;
    Path pw;

    @BeforeEach
    void setUp() throws Exception {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), "report test password");
        ok(repo, pw, "init", FAST_INIT);
        ok(repo, pw, "backup", sampleTree(tmp.resolve("src"), 3).toString());
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    @Test
    void markdownReportListsTheBackupAndSaysWhatIsMissing() {
        Run r = run(repo, pw, "report");
        // no drill on record is a finding: exit 3, as for any other finding
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.PARTIAL);
        assertThat(r.out()).startsWith("# Summit DR compliance report\n").contains("## Findings\n\n| needs attention |\n| --- |\n| no DR drill on record |")
                .containsPattern("\\| files \\| 1 \\| 2\\.[0-9] MiB \\| [0-9.]+ [KM]iB \\| 20[0-9-]+ [0-9:]+ UTC \\| [0-9]+ s ago \\| yes \\|")
                .contains("no drill reports: none are held in the repository yet").contains("| rotation | not due |")
                .contains("no PostgreSQL WAL in this repository").contains("no audit log in this repository");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void jsonAndHtmlCarryTheSameReport() {
        JsonNode json = run(repo, pw, "report", "--format", "json", "--since", "2w").json();
        assertThat(json.path("sources").get(0).path("source").asText()).isEqualTo("files");
        assertThat(json.path("sources").get(0).path("backups").asInt()).isEqualTo(1);
        assertThat(json.path("backups").get(0).path("files").asLong()).isEqualTo(6);
        assertThat(json.path("keys").path("rotationDays").asInt()).isEqualTo(90);
        assertThat(json.path("findings")).extracting(JsonNode::asText).containsExactly("no DR drill on record");
        String html = run(repo, pw, "report", "--format", "html").out();
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<h2>Backups</h2>").endsWith("</html>\n");
    }

    @Test
    void aPeriodThatIsNotOneIsAUsageError() {
        CliTestSupport.assertOneLineError(run(repo, pw, "report", "--since", "last month"), ExitCodes.USAGE,
                "--since last month: give a period such as 30d");
        CliTestSupport.assertOneLineError(run(repo, pw, "report", "--format", "pdf"), ExitCodes.USAGE, "--format");
    }
}
