package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Changes snapshots' tags. Snapshot objects are write-once (docs/repository-format.md, "Changing
 * tags"), so each changed snapshot is written anew under a new id before the old object is deleted.
 */
@Command(name = "tag", description = "Add, remove or set tags of snapshots (all matching the filters, or those named). "
        + "A changed snapshot gets a new id: it is written anew, then the old object is deleted.")
final class TagCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin SnapshotFilter filter;
    @Spec CommandSpec spec;

    @Option(names = "--add", paramLabel = "TAG[,TAG...]", description = "Add these tags (repeatable).") List<String> add = new ArrayList<>();
    @Option(names = "--remove", paramLabel = "TAG[,TAG...]", description = "Remove these tags (repeatable).") List<String> remove = new ArrayList<>();
    @Option(names = "--set", paramLabel = "TAG[,TAG...]", description = "Replace all tags with these (repeatable; --set '' clears them).") List<String> set = new ArrayList<>();
    @Option(names = "--dry-run", description = "Only print what would change.") boolean dryRun;
    @Parameters(arity = "0..*", paramLabel = "SNAPSHOT", description = "Only these snapshots (ids, prefixes or 'latest'); default: every snapshot that matches the filters.")
    List<String> ids = new ArrayList<>();

    @Override
    public Integer call() {
        if (add.isEmpty() && remove.isEmpty() && set.isEmpty()) {
            throw new CommandFailure("give --add, --remove or --set", ExitCodes.USAGE);
        }
        if (!set.isEmpty() && !(add.isEmpty() && remove.isEmpty())) {
            throw new CommandFailure("--set replaces all tags; it cannot be combined with --add or --remove", ExitCodes.USAGE);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            List<Snapshot> chosen = new ArrayList<>();
            if (ids.isEmpty()) {
                chosen.addAll(filter.apply(repo.selectableSnapshots("choose snapshots to tag")));
            } else {
                for (String id : ids) {
                    chosen.add(filter.find(repo, id));
                }
            }
            List<Map<String, Object>> json = new ArrayList<>();
            int changed = 0;
            for (Snapshot s : chosen) {
                List<String> tags = newTags(s.tags());
                if (tags.equals(s.tags())) {
                    continue;
                }
                String newId = null;
                if (!dryRun) {
                    // New object first: a crash in between leaves a duplicate, never a lost snapshot.
                    newId = repo.saveSnapshot(s.withTags(tags)).id();
                    repo.deleteSnapshot(s.id());
                }
                changed++;
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", s.id());
                entry.put("newId", newId);
                entry.put("tags", tags);
                json.add(entry);
                if (!output.json) {
                    out.println((dryRun ? "would retag " + s.shortId() : s.shortId() + " -> " + newId.substring(0, 8))
                            + "  tags: " + (tags.isEmpty() ? "(none)" : String.join(",", tags)));
                }
            }
            if (output.json) {
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("dryRun", dryRun);
                report.put("snapshots", json);
                OutputOptions.printJson(out, report);
            } else {
                out.println((dryRun ? "would change " : "changed ") + changed + " of " + chosen.size() + " snapshots"
                        + (changed > 0 && !dryRun ? " (changed snapshots have new ids)" : ""));
            }
        }
        return ExitCodes.OK;
    }

    private List<String> newTags(List<String> current) {
        Set<String> tags = new LinkedHashSet<>(set.isEmpty() ? current : split(set));
        tags.addAll(split(add));
        split(remove).forEach(tags::remove);
        return List.copyOf(tags);
    }

    private static List<String> split(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String t : v.split(",")) {
                if (!t.isBlank()) {
                    out.add(t.trim());
                }
            }
        }
        return out;
    }
}
