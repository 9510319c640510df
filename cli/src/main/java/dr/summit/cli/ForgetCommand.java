package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.retention.GroupBy;
import dr.summit.repository.snapshot.retention.Retention;
import dr.summit.repository.snapshot.retention.RetentionDecision;
import dr.summit.repository.snapshot.retention.RetentionDuration;
import dr.summit.repository.snapshot.retention.RetentionPolicy;
import dr.summit.repository.snapshot.retention.SnapshotGroup;
import dr.summit.repository.snapshot.retention.SnapshotInfo;
import dr.summit.repository.snapshot.retention.WithinRules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "forget", description = "Remove snapshots according to a retention policy (per host and paths); --prune then frees their data.")
final class ForgetCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin MetricsOptions metrics;
    @Spec CommandSpec spec;

    @Option(names = "--keep-last", description = "Keep the N newest snapshots.") int last;
    @Option(names = "--keep-hourly", description = "Keep the newest snapshot of each of the last N hours with snapshots (-1: all).") int hourly;
    @Option(names = "--keep-daily", description = "... of each of the last N days.") int daily;
    @Option(names = "--keep-weekly", description = "... of each of the last N ISO weeks.") int weekly;
    @Option(names = "--keep-monthly", description = "... of each of the last N months.") int monthly;
    @Option(names = "--keep-yearly", description = "... of each of the last N years.") int yearly;
    @Option(names = "--keep-within", paramLabel = "DURATION",
            description = "Keep every snapshot within DURATION of the group's newest: y years, m MONTHS, w weeks, d days, h hours, combined, e.g. 6m, 1y2m3d, 36h.")
    String within;
    @Option(names = "--keep-within-hourly", paramLabel = "DURATION", description = "Keep the newest snapshot of each hour within DURATION of the newest.") String withinHourly;
    @Option(names = "--keep-within-daily", paramLabel = "DURATION", description = "... of each day within DURATION.") String withinDaily;
    @Option(names = "--keep-within-weekly", paramLabel = "DURATION", description = "... of each ISO week within DURATION.") String withinWeekly;
    @Option(names = "--keep-within-monthly", paramLabel = "DURATION", description = "... of each month within DURATION.") String withinMonthly;
    @Option(names = "--keep-within-yearly", paramLabel = "DURATION", description = "... of each year within DURATION.") String withinYearly;
    @Option(names = "--group-by", paramLabel = "FIELDS", defaultValue = "host,paths",
            description = "Apply the policy separately to each group of snapshots with the same FIELDS: host, paths, tags, comma-separated, or '' for one group (default: ${DEFAULT-VALUE}).")
    String groupBy;
    @Mixin SnapshotFilter filter;
    @Option(names = "--keep-tag", description = "Always keep snapshots with this tag (repeatable).") List<String> keepTags = new ArrayList<>();
    @Option(names = "--dry-run", description = "Only print what would be removed.") boolean dryRun;
    @Option(names = "--prune", description = "Run prune afterwards.") boolean prune;
    @picocli.CommandLine.Parameters(arity = "0..*", paramLabel = "SNAPSHOT",
            description = "Remove exactly these snapshots (ids or unique prefixes) instead of applying a policy.")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() {
        if (!ids.isEmpty()) {
            return forgetIds();
        }
        RetentionPolicy policy = RetentionPolicy.builder().keepLast(last).keepHourly(hourly).keepDaily(daily).keepWeekly(weekly)
                .keepMonthly(monthly).keepYearly(yearly)
                .within(new WithinRules(duration(within), duration(withinHourly), duration(withinDaily),
                        duration(withinWeekly), duration(withinMonthly), duration(withinYearly)))
                .keepTags(new HashSet<>(keepTags)).build();
        GroupBy grouping;
        try {
            grouping = GroupBy.parse(groupBy);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
        if (policy.isEmpty()) {
            throw new CommandFailure("no retention rule given (e.g. --keep-daily 7); refusing to forget every snapshot", ExitCodes.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            Map<String, Snapshot> byId = new LinkedHashMap<>();
            List<SnapshotInfo> infos = new ArrayList<>();
            // an unreadable snapshot could change what the policy keeps
            for (Snapshot s : filter.apply(repo.requireReadableSnapshots("forget by policy"))) {
                byId.put(s.id(), s);
                infos.add(new SnapshotInfo(s.id(), s.time(), s.host() == null ? "" : s.host(), s.paths(), new HashSet<>(s.tags())));
            }
            Map<SnapshotGroup, RetentionDecision> decisions = Retention.apply(infos, policy, ZoneId.systemDefault(), grouping);
            List<Map<String, Object>> json = new ArrayList<>();
            int removed = 0;
            for (Map.Entry<SnapshotGroup, RetentionDecision> g : decisions.entrySet()) {
                if (!output.json) {
                    out.println(describe(g.getKey()) + ":");
                }
                for (RetentionDecision.Kept k : g.getValue().keep()) {
                    if (!output.json) {
                        out.println("  keep    " + k.snapshot().id().substring(0, 8) + "  " + String.join(", ", k.reasons()));
                    }
                    json.add(entry(k.snapshot().id(), "keep", k.reasons()));
                }
                for (SnapshotInfo r : g.getValue().remove()) {
                    if (!output.json) {
                        out.println("  " + (dryRun ? "would remove " : "remove  ") + r.id().substring(0, 8));
                    }
                    json.add(entry(r.id(), "remove", List.of()));
                    if (!dryRun) {
                        repo.deleteSnapshot(r.id());
                    }
                    removed++;
                }
            }
            if (output.json) {
                OutputOptions.printJson(out, report(json, repo));
            } else {
                out.println((dryRun ? "would remove " : "removed ") + removed + " snapshots, kept " + (json.size() - removed));
            }
            if (prune && !dryRun) {
                PruneCommand.run(repo, 0.05, false, output.json, out);
            }
            if (!dryRun) {
                metrics.publish(spec, "forget", repo, m -> { });   // snapshots and (with --prune) size after the policy
            }
        }
        return ExitCodes.OK;
    }

    private int forgetIds() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            List<Snapshot> chosen = new ArrayList<>();
            for (String id : ids) {
                chosen.add(repo.findSnapshot(id));
            }
            List<Map<String, Object>> json = new ArrayList<>();
            for (Snapshot s : chosen) {
                if (!dryRun) {
                    repo.deleteSnapshot(s.id());
                }
                json.add(entry(s.id(), "remove", List.of("named")));
                if (!output.json) {
                    out.println((dryRun ? "would remove " : "removed ") + s.shortId());
                }
            }
            if (output.json) {
                OutputOptions.printJson(out, report(json, repo));
            }
            if (prune && !dryRun) {
                PruneCommand.run(repo, 0.05, false, output.json, out);
            }
            if (!dryRun) {
                metrics.publish(spec, "forget", repo, m -> { });   // snapshots and (with --prune) size after the policy
            }
        }
        return ExitCodes.OK;
    }

    private Map<String, Object> report(List<Map<String, Object>> snapshots, Repository repo) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dryRun", dryRun);
        json.put("snapshots", snapshots);
        json.put("requests", repo.store().stats().snapshot());
        return json;
    }

    private static Map<String, Object> entry(String id, String action, List<String> reasons) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("action", action);
        json.put("reasons", reasons);
        return json;
    }

    private static String describe(SnapshotGroup group) {
        List<String> parts = new ArrayList<>();
        if (group.host() != null) {
            parts.add("host " + group.host());
        }
        if (group.paths() != null) {
            parts.add("paths " + String.join(" ", group.paths()));
        }
        if (group.tags() != null) {
            parts.add("tags " + (group.tags().isEmpty() ? "(none)" : String.join(",", group.tags())));
        }
        return parts.isEmpty() ? "all snapshots" : String.join(", ", parts);
    }

    private static RetentionDuration duration(String text) {
        return text == null ? null : parseDuration(text);
    }

    /** A duration as restic writes it ({@code m} = months); see {@link RetentionDuration}. */
    static RetentionDuration parseDuration(String text) {
        try {
            return RetentionDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage(), ExitCodes.USAGE);
        }
    }
}
