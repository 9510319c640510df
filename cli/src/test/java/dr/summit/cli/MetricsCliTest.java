package dr.summit.cli;

import static dr.summit.cli.CliTestSupport.FAST_INIT;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.passwordFile;
import static dr.summit.cli.CliTestSupport.run;
import static dr.summit.cli.CliTestSupport.sampleTree;
import static org.assertj.core.api.Assertions.assertThat;

import dr.summit.cli.CliTestSupport.Run;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** --metrics-textfile, --metrics-push and 'summit-dr metrics' on a real repository. */
class MetricsCliTest {
    @TempDir Path tmp;
    Path repo;
    Path pw;
    Path src;
    Path prom;

    @BeforeEach
    void setUp() throws Exception {
        RepositoryOptions.env = name -> null;
        repo = tmp.resolve("repo");
        pw = passwordFile(tmp.resolve("password"), "metrics test password");
        src = sampleTree(tmp.resolve("src"), 7);
        prom = tmp.resolve("summit_dr.prom");
        ok(repo, pw, "init", FAST_INIT);
    }

    @AfterEach
    void restoreEnvironment() {
        RepositoryOptions.env = System::getenv;
    }

    /** The value of one series (exactly as written, labels sorted) in an exposition; NaN when absent. */
    static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void backupWritesItsMetricsAndTheRepositoryStateToTheTextfile() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        ok(repo, pw, "backup", src.toString(), "--metrics-textfile", prom.toString());
        String text = Files.readString(prom);
        assertThat(sample(text, "file_backup_duration_seconds{type=\"files\"}")).isGreaterThanOrEqualTo(0);
        assertThat(sample(text, "dr_backup_last_success_timestamp_seconds{source=\"files\"}")).isBetween(before - 1.0, before + 120.0);
        assertThat(sample(text, "dr_backup_logical_bytes{source=\"files\"}")).isEqualTo(400_000 + 350_000 + 8 + 900_000 + 600_000 + 6);
        assertThat(sample(text, "dr_backup_stored_bytes{source=\"files\"}")).isGreaterThan(2_000_000);
        assertThat(sample(text, "backup_encryption_files_total{source=\"files\"}")).isEqualTo(6);
        assertThat(sample(text, "dr_repository_size_bytes")).isGreaterThan(2_000_000);
        assertThat(sample(text, "dr_repository_snapshots")).isEqualTo(1);
        assertThat(sample(text, "dr_key_age_seconds{type=\"data\"}")).isBetween(0.0, 600.0);
        assertThat(sample(text, "dr_key_slots")).isEqualTo(1);
        assertThat(sample(text, "dr_key_rotation_period_seconds")).isEqualTo(90 * 86400);
        // no PostgreSQL in this repository: no WAL lag, rather than a false 0
        assertThat(sample(text, "dr_wal_archive_lag_seconds")).isNaN();
        assertThat(sample(text, "backup_failure_total{source=\"files\"}")).isNaN();
    }

    @Test
    void aFailedBackupCountsInTheTextfileAndKeepsTheLastSuccess() throws Exception {
        ok(repo, pw, "backup", src.toString(), "--metrics-textfile", prom.toString());
        double lastSuccess = sample(Files.readString(prom), "dr_backup_last_success_timestamp_seconds{source=\"files\"}");
        Path wrong = passwordFile(tmp.resolve("wrong"), "not the password");
        for (int i = 0; i < 2; i++) {
            Run failed = run(repo, wrong, "backup", src.toString(), "--metrics-textfile", prom.toString());
            assertThat(failed.exit()).as(failed.toString()).isEqualTo(ExitCodes.WRONG_KEY);
        }
        String text = Files.readString(prom);
        assertThat(sample(text, "backup_failure_total{source=\"files\"}")).isEqualTo(2);
        assertThat(sample(text, "dr_backup_last_success_timestamp_seconds{source=\"files\"}")).isEqualTo(lastSuccess);
        assertThat(sample(text, "backup_encryption_files_total{source=\"files\"}")).isEqualTo(6);
    }

    @Test
    void anUnreachablePushgatewayIsAWarningAndTheBackupSucceeds() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = run(repo, pw, "backup", src.toString(), "--metrics-push", "http://127.0.0.1:" + port);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("saved");
        assertThat(r.err()).startsWith("warning: metrics: Pushgateway http://127.0.0.1:" + port
                + "/metrics/job/summit-dr/instance/" + java.net.URLEncoder.encode(BackupCommand.hostName(), java.nio.charset.StandardCharsets.UTF_8)
                + "/command/backup unreachable");
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(1);
    }

    @Test
    void aTextfileThatCannotBeWrittenIsAWarningAndTheBackupSucceeds() throws Exception {
        Run r = run(repo, pw, "backup", src.toString(), "--metrics-textfile", tmp.resolve("no/such/dir/x.prom").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("warning: metrics: cannot write --metrics-textfile").contains("no such directory");
    }

    @Test
    void aMalformedPushUrlIsAUsageErrorBeforeAnythingRuns() {
        Run r = run(repo, pw, "backup", src.toString(), "--metrics-push", "pushgateway:9091");
        CliTestSupport.assertOneLineError(r, ExitCodes.USAGE, "--metrics-push");
        assertThat(ok(repo, pw, "snapshots", "--json").json()).isEmpty();
    }

    @Test
    void metricsCommandRebuildsTheSameStateInAFreshProcess() throws Exception {
        ok(repo, pw, "backup", src.toString(), "--metrics-textfile", prom.toString());
        String afterBackup = Files.readString(prom);
        String fresh = ok(repo, pw, "metrics").out();
        for (String series : new String[]{"dr_backup_last_success_timestamp_seconds{source=\"files\"}",
                "dr_backup_logical_bytes{source=\"files\"}", "dr_backup_stored_bytes{source=\"files\"}", "dr_repository_size_bytes"}) {
            assertThat(sample(fresh, series)).as(series).isEqualTo(sample(afterBackup, series));
        }
        // the repository holds state, not events: a fresh process counts nothing
        assertThat(sample(fresh, "backup_encryption_files_total{source=\"files\"}")).isNaN();
        Path out = tmp.resolve("m.prom");
        assertThat(ok(repo, pw, "metrics", "--textfile", out.toString()).out()).isEqualTo("metrics written to " + out + "\n");
        assertThat(Files.readString(out)).contains("# TYPE dr_repository_size_bytes gauge");
    }

    @Test
    void forgetPruneAndVerifyKeepTheTextfileCurrent() throws Exception {
        ok(repo, pw, "backup", src.toString(), "--metrics-textfile", prom.toString());
        Files.writeString(src.resolve("notes.txt"), "changed\n");
        ok(repo, pw, "backup", src.toString(), "--metrics-textfile", prom.toString());
        assertThat(sample(Files.readString(prom), "dr_repository_snapshots")).isEqualTo(2);
        ok(repo, pw, "forget", "--keep-last", "1", "--prune", "--metrics-textfile", prom.toString());
        String afterForget = Files.readString(prom);
        assertThat(sample(afterForget, "dr_repository_snapshots")).isEqualTo(1);
        // counters from the backups carried through the forget's rewrite of the file
        assertThat(sample(afterForget, "backup_encryption_files_total{source=\"files\"}")).isEqualTo(12);
        ok(repo, pw, "verify", "--metrics-textfile", prom.toString());
        assertThat(sample(Files.readString(prom), "dr_verify_success")).isEqualTo(1);
    }
}
