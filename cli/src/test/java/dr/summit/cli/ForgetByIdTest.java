package dr.summit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dr.summit.cli.CliTestSupport.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** forget with snapshot ids removes exactly those, keeps the rest, and prune then frees their data. */
class ForgetByIdTest {
    @TempDir
    Path tmp;

    @Test
    void forgetNamedSnapshotRemovesOnlyItAndPruneFreesItsData() throws Exception {
        Path repo = tmp.resolve("repo");
        Path pw = CliTestSupport.passwordFile(tmp.resolve("pw"), "secret");
        List<String> init = new ArrayList<>(List.of(CliTestSupport.FAST_INIT));
        ok(repo, pw, "init", init.toArray(String[]::new));
        Path first = CliTestSupport.sampleTree(tmp.resolve("a"), 1);
        Path second = CliTestSupport.sampleTree(tmp.resolve("b"), 2);
        var backup = ok(repo, pw, "backup", "--json", first.toString()).json();
        // Every report says what the run cost in store requests.
        assertThat(backup.get("requests").get("puts").asLong()).isPositive();
        assertThat(backup.get("requests").get("putBytes").asLong()).isGreaterThan(backup.get("summary").get("newPackedBytes").asLong());
        ok(repo, pw, "backup", second.toString());
        var snapshots = ok(repo, pw, "snapshots", "--json").json();
        String doomed = snapshots.get(0).get("id").asText();
        String kept = snapshots.get(1).get("id").asText();
        long storedBefore = ok(repo, pw, "stats", "--json").json().get("stats").get("storedBytes").asLong();

        var dry = ok(repo, pw, "forget", "--dry-run", doomed.substring(0, 8));
        assertThat(dry.out()).contains("would remove " + doomed.substring(0, 8));
        assertThat(ok(repo, pw, "snapshots", "--json").json()).hasSize(2);

        ok(repo, pw, "forget", "--prune", doomed.substring(0, 8));
        var after = ok(repo, pw, "snapshots", "--json").json();
        assertThat(after).hasSize(1);
        assertThat(after.get(0).get("id").asText()).isEqualTo(kept);
        long storedAfter = ok(repo, pw, "stats", "--json").json().get("stats").get("storedBytes").asLong();
        assertThat(storedAfter).isLessThan(storedBefore);
        var verify = ok(repo, pw, "verify", "--read-data", "--json").json();
        assertThat(verify.get("errors")).isEmpty();
        assertThat(verify.get("requests").get("gets").asLong()).isPositive();
    }
}
