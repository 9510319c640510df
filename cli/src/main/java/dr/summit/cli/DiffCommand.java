package dr.summit.cli;

import dr.summit.files.browse.SnapshotDiff;
import dr.summit.repository.Repository;
import dr.summit.repository.blob.BlobId;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "diff", description = "Show what changed between two snapshots: + added, - removed, M content modified, U metadata only.")
final class DiffCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin SnapshotFilter filter;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A") String a;
    @Parameters(index = "1", paramLabel = "B") String b;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            Snapshot sa = filter.find(repo, a);
            Snapshot sb = filter.find(repo, b);
            List<SnapshotDiff.Entry> entries = new ArrayList<>();
            new SnapshotDiff(repo).diff(BlobId.parse(sa.tree()), BlobId.parse(sb.tree()), entries::add);
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("from", sa.id());
                json.put("to", sb.id());
                json.put("requests", repo.store().stats().snapshot());
                json.put("changes", entries.stream().map(e -> OutputOptions.object("change", e.change().name().toLowerCase(),
                        "path", "/" + e.path(), "type", e.type().name().toLowerCase())).toList());
                OutputOptions.printJson(out, json);
            } else {
                entries.forEach(e -> out.println(e.symbol() + "  /" + e.path()));
                long added = entries.stream().filter(e -> e.change() == SnapshotDiff.Change.ADDED).count();
                long removed = entries.stream().filter(e -> e.change() == SnapshotDiff.Change.REMOVED).count();
                long modified = entries.size() - added - removed;
                out.printf("%d added, %d removed, %d modified%n", added, removed, modified);
            }
        }
        return ExitCodes.OK;
    }
}
