package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "snapshots", description = "List snapshots, oldest first.")
final class SnapshotsCommand implements Callable<Integer> {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.openWithoutIndex()) {
            List<Snapshot> all = repo.listSnapshots();
            repo.damagedSnapshots().forEach(d -> spec.commandLine().getErr().println("warning: damaged snapshot skipped: " + d));
            if (output.json) {
                OutputOptions.printJson(out, all.stream().map(SnapshotsCommand::json).toList());
                return ExitCodes.OK;
            }
            out.printf("%-8s  %-19s  %-15s  %-12s  %10s  %s%n", "ID", "TIME", "HOST", "TAGS", "SIZE", "PATHS");
            for (Snapshot s : all) {
                out.printf("%-8s  %-19s  %-15s  %-12s  %10s  %s%n", s.shortId(), TIME.format(s.time()), s.host(),
                        String.join(",", s.tags()), s.summary() == null ? "" : Sizes.bytes(s.summary().totalBytes()),
                        String.join(" ", s.paths()));
            }
            out.println(all.size() + " snapshots");
        }
        return ExitCodes.OK;
    }

    /** Stable JSON shape of a snapshot listing entry (README, "JSON output"). */
    static java.util.Map<String, Object> json(Snapshot s) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("id", s.id());
        m.put("shortId", s.shortId());
        m.put("time", s.time().toString());
        m.put("kind", s.kind());
        m.put("host", s.host());
        m.put("username", s.username());
        m.put("paths", s.paths());
        m.put("tags", s.tags());
        m.put("tree", s.tree());
        m.put("parent", s.parent());
        m.put("summary", s.summary());
        if (s.attributes() != null) {
            m.put("attributes", s.attributes());
        }
        return m;
    }
}
