package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.SnapshotRepair;
import dr.summit.repository.snapshot.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "snapshots", description = {"Recover from unreadable snapshot objects: every root tree no readable snapshot reaches",
        "becomes a snapshot tagged 'recovered' (the damaged snapshots' data; forget what you do not want), then the",
        "unreadable objects and stray files under snapshots/ are moved to quarantine/. Their metadata cannot be recovered."})
final class RepairSnapshotsCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Option(names = "--dry-run", description = "Only print what would be recovered and moved aside.") boolean dryRun;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            SnapshotRepair.Result r = new SnapshotRepair(repo).run(dryRun);
            if (output.json) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("dryRun", dryRun);
                json.put("recovered", r.recovered().stream().map(s -> s.id() == null ? s.tree() : s.id()).toList());
                json.put("quarantined", r.quarantined());
                json.put("lost", r.lost());
                OutputOptions.printJson(out, json);
            } else {
                String verb = dryRun ? "would " : "";
                for (Snapshot s : r.recovered()) {
                    out.println(verb + "recover tree " + s.tree().substring(0, 8) + (s.id() == null ? "" : " as snapshot " + s.shortId())
                            + " (tag " + SnapshotRepair.TAG + ", path " + s.paths().get(0) + ")");
                }
                r.quarantined().forEach(q -> out.println(verb + "move aside: " + q));
                r.lost().forEach(l -> out.println("cannot recover: " + l));
                if (r.recovered().isEmpty() && r.quarantined().isEmpty()) {
                    out.println("every snapshot is readable; nothing to repair");
                }
            }
        }
        return ExitCodes.OK;
    }
}
