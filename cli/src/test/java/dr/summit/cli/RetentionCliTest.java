package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dr.summit.cli.CliTestSupport.assertOneLineError;
import static dr.summit.cli.CliTestSupport.ok;
import static dr.summit.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** forget's durations, filters, grouping and the tag command, through the CLI on a real repository. */
class RetentionCliTest {
    private static final String PASSWORD = "retention test password";
    @TempDir
    Path tmp;
    Path repo;
    Path pw;
    /** Fabricated snapshots by name, for the assertions. */
    final Map<String, String> ids = new TreeMap<>();
    Instant now = Instant.now();

    @BeforeEach
    void init() throws Exception {
        repo = tmp.resolve("repo");
        pw = CliTestSupport.passwordFile(tmp.resolve("pw"), PASSWORD);
        ok(repo, pw, "init", CliTestSupport.FAST_INIT);
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("a.txt"), "a\n");
        ok(repo, pw, "backup", src.toString());
    }

    /** Replaces the one real snapshot with copies at the given ages, hosts, tags and paths (same tree). */
    private void fabricate(String... specs) {
        try (Repository r = Repository.open(new LocalDirectoryStore(repo), PASSWORD.toCharArray())) {
            List<Snapshot> existing = r.listSnapshots();
            Snapshot template = existing.get(0);
            for (String spec : specs) {
                // name:age:host:tags:path, age like 10min, 5mo, 3d
                String[] f = spec.split(":", -1);
                Snapshot s = new Snapshot(null, template.version(), template.kind(), now.minus(age(f[1])), f[2],
                        template.username(), List.of(f[4]), f[3].isEmpty() ? List.of() : List.of(f[3].split(",")),
                        template.tree(), null, template.program(), template.summary(), template.attributes());
                ids.put(f[0], r.saveSnapshot(s).id());
            }
            existing.forEach(s -> r.deleteSnapshot(s.id()));
        }
    }

    private Duration age(String text) {
        long n = Long.parseLong(text.replaceAll("[a-z]+$", ""));
        String unit = text.replaceAll("^[0-9]+", "");
        return switch (unit) {
            case "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            // months in the zone forget computes in, as RetentionDuration does
            case "mo" -> Duration.between(now.atZone(ZoneId.systemDefault()).minusMonths(n).toInstant(), now);
            default -> throw new IllegalArgumentException(text);
        };
    }

    private List<String> snapshotIds(String... filter) {
        List<String> out = new ArrayList<>();
        ok(repo, pw, "snapshots", concat(filter, "--json")).json().forEach(s -> out.add(s.get("id").asText()));
        return out;
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private String name(String id) {
        return ids.entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).findFirst().orElse(id);
    }

    @Test
    void keepWithinSixMonthsKeepsSixMonthsNotSixMinutes() {
        fabricate("now:0min:h1::/srv", "tenMinutes:10min:h1::/srv", "fiveMonths:5mo:h1::/srv", "sevenMonths:7mo:h1::/srv");

        CliTestSupport.Run dry = ok(repo, pw, "forget", "--keep-within", "6m", "--dry-run");
        assertThat(dry.out()).contains("keep    " + ids.get("fiveMonths").substring(0, 8) + "  within 6m")
                .contains("would remove " + ids.get("sevenMonths").substring(0, 8))
                .contains("would remove 1 snapshots, kept 3");

        ok(repo, pw, "forget", "--keep-within", "6m");
        assertThat(snapshotIds()).extracting(this::name).containsExactlyInAnyOrder("now", "tenMinutes", "fiveMonths");
    }

    @Test
    void keepWithinDailyKeepsTheNewestOfEachDayAndSaysWhy() {
        fabricate("today:0min:h1::/srv", "todayEarlier:1min:h1::/srv", "d3:3d:h1::/srv", "d10:10d:h1::/srv");

        JsonNode json = ok(repo, pw, "forget", "--keep-within-daily", "1w", "--dry-run", "--json").json();

        assertThat(json.get("dryRun").asBoolean()).isTrue();
        Map<String, String> actions = new TreeMap<>();
        for (JsonNode s : json.get("snapshots")) {
            assertThat(List.of(s.fieldNames().next())).containsExactly("id"); // fixed key order: id, action, reasons
            actions.put(name(s.get("id").asText()), s.get("action").asText()
                    + (s.get("reasons").isEmpty() ? "" : " " + s.get("reasons").get(0).asText().replaceAll(" \\S+ within", " within")));
        }
        assertThat(actions).containsEntry("today", "keep daily within 1w").containsEntry("d3", "keep daily within 1w")
                .containsEntry("d10", "remove");
        // One day may hold both "today" and "todayEarlier" or, just after midnight, not: only the newer of a day is kept.
        assertThat(actions.get("todayEarlier")).isIn("remove", "keep daily within 1w");
    }

    @Test
    void durationsAreRestics() {
        fabricate("now:0min:h1::/srv");
        assertOneLineError(run(repo, pw, "forget", "--keep-within", "6min"), ExitCodes.USAGE, "invalid duration '6min'", "m (months)");
        assertOneLineError(run(repo, pw, "forget", "--keep-within-weekly", "0d"), ExitCodes.USAGE, "longer than zero");
        assertOneLineError(run(repo, pw, "forget", "--host", "h1"), ExitCodes.USAGE, "no retention rule");
        assertOneLineError(run(repo, pw, "forget", "--keep-last", "1", "--group-by", "hosts"), ExitCodes.USAGE, "--group-by field 'hosts'");
    }

    @Test
    void filtersSelectSnapshotsAndLatestMeansLatestMatching() {
        fabricate("a1:3h:alpha:daily:/srv/a", "a2:2h:alpha:daily,db:/srv/a", "b1:1h:beta:daily:/srv/b", "b0:0min:beta::/srv/b");

        assertThat(snapshotIds("--host", "alpha")).extracting(this::name).containsExactly("a1", "a2");
        assertThat(snapshotIds("--tag", "daily,db")).extracting(this::name).containsExactly("a2");
        assertThat(snapshotIds("--tag", "db", "--tag", "daily")).extracting(this::name).containsExactly("a1", "a2", "b1");
        assertThat(snapshotIds("--path", "/srv/b")).extracting(this::name).containsExactly("b1", "b0");
        assertThat(snapshotIds("--host", "alpha", "--host", "beta", "--tag", "daily")).extracting(this::name).containsExactly("a1", "a2", "b1");

        JsonNode diff = ok(repo, pw, "diff", "latest", "latest", "--host", "alpha", "--json").json();
        assertThat(name(diff.get("from").asText())).isEqualTo("a2");
        JsonNode tagged = ok(repo, pw, "diff", "latest", "latest", "--tag", "daily", "--path", "/srv/b", "--json").json();
        assertThat(name(tagged.get("from").asText())).isEqualTo("b1");
        assertThat(ok(repo, pw, "ls", "latest", "--host", "beta").out()).contains("a.txt");
        Path target = tmp.resolve("restored");
        ok(repo, pw, "restore", "latest", "--host", "alpha", "--target", target.toString());

        assertOneLineError(run(repo, pw, "ls", "latest", "--host", "gamma"), ExitCodes.NOT_FOUND, "no snapshot matches --host gamma");
        assertOneLineError(run(repo, pw, "ls", ids.get("b0").substring(0, 8), "--host", "alpha"), ExitCodes.NOT_FOUND,
                "does not match --host alpha");
    }

    @Test
    void forgetOnlyTouchesMatchingSnapshotsAndGroupsAsAsked() {
        fabricate("a1:3h:alpha::/srv/a", "a2:2h:alpha::/srv/x", "b1:1h:beta::/srv/b", "b0:0min:beta::/srv/b");

        // Default grouping (host, paths): alpha's two path sets are two groups, each keeps its newest.
        CliTestSupport.Run byHostPaths = ok(repo, pw, "forget", "--keep-last", "1", "--host", "alpha", "--dry-run");
        assertThat(byHostPaths.out()).contains("host alpha, paths /srv/a:").contains("host alpha, paths /srv/x:")
                .doesNotContain("beta").contains("would remove 0 snapshots, kept 2");

        CliTestSupport.Run byHost = ok(repo, pw, "forget", "--keep-last", "1", "--group-by", "host", "--host", "alpha");
        assertThat(byHost.out()).contains("host alpha:").contains("keep    " + ids.get("a2").substring(0, 8) + "  last 1")
                .contains("remove  " + ids.get("a1").substring(0, 8));
        assertThat(snapshotIds()).extracting(this::name).containsExactlyInAnyOrder("a2", "b1", "b0");

        CliTestSupport.Run all = ok(repo, pw, "forget", "--keep-last", "1", "--group-by", "");
        assertThat(all.out()).contains("all snapshots:");
        assertThat(snapshotIds()).extracting(this::name).containsExactly("b0");
    }

    @Test
    void tagAddsRemovesAndSetsByWritingANewSnapshot() {
        fabricate("a:1h:alpha:daily:/srv/a", "b:0min:beta::/srv/b");
        String oldA = ids.get("a");

        JsonNode added = ok(repo, pw, "tag", "--add", "keep,audit", "--host", "alpha", "--json").json();
        assertThat(added.get("snapshots")).hasSize(1);
        String newA = added.get("snapshots").get(0).get("newId").asText();
        assertThat(added.get("snapshots").get(0).get("id").asText()).isEqualTo(oldA);
        assertThat(newA).isNotEqualTo(oldA);
        assertThat(snapshotIds("--tag", "keep")).containsExactly(newA);
        assertThat(snapshotIds()).doesNotContain(oldA);
        JsonNode listed = ok(repo, pw, "snapshots", "--tag", "audit", "--json").json();
        assertThat(listed.get(0).get("tags").toString()).isEqualTo("[\"daily\",\"keep\",\"audit\"]");

        CliTestSupport.Run removed = ok(repo, pw, "tag", "--remove", "daily", newA.substring(0, 8));
        assertThat(removed.out()).contains(newA.substring(0, 8) + " -> ").contains("tags: keep,audit")
                .contains("changed 1 of 1 snapshots (changed snapshots have new ids)");

        ok(repo, pw, "tag", "--set", "only");
        assertThat(snapshotIds("--tag", "only")).hasSize(2);
        assertThat(snapshotIds("--tag", "keep")).isEmpty();
        CliTestSupport.Run same = ok(repo, pw, "tag", "--set", "only");
        assertThat(same.out()).contains("changed 0 of 2 snapshots");

        assertOneLineError(run(repo, pw, "tag", "--set", "x", "--add", "y"), ExitCodes.USAGE, "cannot be combined");
        assertOneLineError(run(repo, pw, "tag"), ExitCodes.USAGE, "give --add, --remove or --set");
        // The data is still all there and readable.
        assertThat(ok(repo, pw, "verify", "--json").json().get("errors")).isEmpty();
    }

}
