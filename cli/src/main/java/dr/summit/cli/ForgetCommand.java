package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.retention.Retention;
import dr.summit.repository.snapshot.retention.RetentionDecision;
import dr.summit.repository.snapshot.retention.RetentionPolicy;
import dr.summit.repository.snapshot.retention.SnapshotGroup;
import dr.summit.repository.snapshot.retention.SnapshotInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
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
    @Spec CommandSpec spec;

    @Option(names = "--keep-last", description = "Keep the N newest snapshots.") int last;
    @Option(names = "--keep-hourly", description = "Keep the newest snapshot of each of the last N hours with snapshots (-1: all).") int hourly;
    @Option(names = "--keep-daily", description = "... of each of the last N days.") int daily;
    @Option(names = "--keep-weekly", description = "... of each of the last N ISO weeks.") int weekly;
    @Option(names = "--keep-monthly", description = "... of each of the last N months.") int monthly;
    @Option(names = "--keep-yearly", description = "... of each of the last N years.") int yearly;
    @Option(names = "--keep-within", paramLabel = "DURATION", description = "Keep snapshots within DURATION of the newest, e.g. 7d, 36h, 2w.") String within;
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
                .keepMonthly(monthly).keepYearly(yearly).keepWithin(within == null ? null : parseDuration(within))
                .keepTags(new HashSet<>(keepTags)).build();
        if (policy.isEmpty()) {
            throw new CommandFailure("no retention rule given (e.g. --keep-daily 7); refusing to forget every snapshot", ExitCodes.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            Map<String, Snapshot> byId = new LinkedHashMap<>();
            List<SnapshotInfo> infos = new ArrayList<>();
            repo.requireReadableSnapshots("forget by policy");   // an unreadable snapshot could change what the policy keeps
            for (Snapshot s : repo.listSnapshots()) {
                byId.put(s.id(), s);
                infos.add(new SnapshotInfo(s.id(), s.time(), s.host() == null ? "" : s.host(), s.paths(), new HashSet<>(s.tags())));
            }
            Map<SnapshotGroup, RetentionDecision> decisions = Retention.apply(infos, policy, ZoneId.systemDefault());
            List<Map<String, Object>> json = new ArrayList<>();
            int removed = 0;
            for (Map.Entry<SnapshotGroup, RetentionDecision> g : decisions.entrySet()) {
                if (!output.json) {
                    out.println("host " + g.getKey().host() + ", paths " + String.join(" ", g.getKey().paths()) + ":");
                }
                for (RetentionDecision.Kept k : g.getValue().keep()) {
                    if (!output.json) {
                        out.println("  keep    " + k.snapshot().id().substring(0, 8) + "  " + String.join(", ", k.reasons()));
                    }
                    json.add(Map.of("id", k.snapshot().id(), "action", "keep", "reasons", k.reasons()));
                }
                for (SnapshotInfo r : g.getValue().remove()) {
                    if (!output.json) {
                        out.println("  " + (dryRun ? "would remove " : "remove  ") + r.id().substring(0, 8));
                    }
                    json.add(Map.of("id", r.id(), "action", "remove", "reasons", List.of()));
                    if (!dryRun) {
                        repo.deleteSnapshot(r.id());
                    }
                    removed++;
                }
            }
            if (output.json) {
                OutputOptions.printJson(out, Map.of("dryRun", dryRun, "snapshots", json, "requests", repo.store().stats().snapshot()));
            } else {
                out.println((dryRun ? "would remove " : "removed ") + removed + " snapshots");
            }
            if (prune && !dryRun) {
                PruneCommand.run(repo, 0.05, false, output.json, out);
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
                json.add(Map.of("id", s.id(), "action", "remove", "reasons", List.of("named")));
                if (!output.json) {
                    out.println((dryRun ? "would remove " : "removed ") + s.shortId());
                }
            }
            if (output.json) {
                OutputOptions.printJson(out, Map.of("dryRun", dryRun, "snapshots", json, "requests", repo.store().stats().snapshot()));
            }
            if (prune && !dryRun) {
                PruneCommand.run(repo, 0.05, false, output.json, out);
            }
        }
        return ExitCodes.OK;
    }

    static Duration parseDuration(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([ywdhm])").matcher(s);
        Duration d = Duration.ZERO;
        int consumed = 0;
        while (m.find()) {
            if (m.start() != consumed) {
                break;
            }
            consumed = m.end();
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "y" -> Duration.ofDays(365 * n);
                case "w" -> Duration.ofDays(7 * n);
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            });
        }
        if (consumed != s.length() || consumed == 0) {
            throw new CommandFailure("invalid duration '" + s + "' (use e.g. 7d, 36h, 2w, 1y2m)", ExitCodes.USAGE);
        }
        return d;
    }
}
