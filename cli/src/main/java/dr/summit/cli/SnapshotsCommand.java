package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;
import dr.summit.repository.snapshot.UnreadableSnapshot;
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
    @Mixin SnapshotFilter filter;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.openWithoutIndex()) {
            List<Snapshot> all = filter.apply(repo.listSnapshots());
            List<UnreadableSnapshot> unreadable = repo.unreadableSnapshots();
            // Damaged snapshots are listed and fail the command (a script must notice); foreign
            // objects are listed too but are not this repository's snapshots.
            boolean damaged = unreadable.stream().anyMatch(u -> !u.foreign()) && !repository.skipDamaged;
            int exit = damaged ? ExitCodes.ERROR : ExitCodes.OK;
            if (damaged) {
                UnreadableSnapshot first = unreadable.stream().filter(u -> !u.foreign()).findFirst().orElseThrow();
                spec.commandLine().getErr().println("summit-dr: " + unreadable.stream().filter(u -> !u.foreign()).count()
                        + " snapshot(s) cannot be read, e.g. " + first.describe() + "; run 'summit-dr repair snapshots'");
            }
            if (output.json) {
                List<Object> entries = new java.util.ArrayList<>(all.stream().map(SnapshotsCommand::json).toList());
                for (UnreadableSnapshot u : unreadable) {
                    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("id", u.id());
                    m.put("object", u.name());
                    m.put("unreadable", u.foreign() ? "foreign" : "damaged");
                    m.put("reason", u.reason());
                    entries.add(m);
                }
                OutputOptions.printJson(out, entries);
                return exit;
            }
            out.printf("%-8s  %-19s  %-15s  %-12s  %10s  %s%n", "ID", "TIME", "HOST", "TAGS", "SIZE", "PATHS");
            for (Snapshot s : all) {
                out.printf("%-8s  %-19s  %-15s  %-12s  %10s  %s%n", s.shortId(), TIME.format(s.time()), s.host(),
                        String.join(",", s.tags()), s.summary() == null ? "" : Sizes.bytes(s.summary().totalBytes()),
                        String.join(" ", s.paths()));
            }
            for (UnreadableSnapshot u : unreadable) {
                out.printf("%-8s  %-19s  %s%n", u.id().substring(0, Math.min(8, u.id().length())),
                        u.foreign() ? "FOREIGN" : "DAMAGED", u.name() + ": " + u.reason());
            }
            out.println(all.size() + " snapshots" + (unreadable.isEmpty() ? "" : ", " + unreadable.size() + " unreadable"));
            return exit;
        }
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
