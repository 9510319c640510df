package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.Pruner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "prune", description = "Delete data no snapshot references and repack partly used packs.")
final class PruneCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin MetricsOptions metrics;
    @Spec CommandSpec spec;

    @Option(names = "--max-unused", defaultValue = "5%", description = "Garbage left in place at most, as %% of stored bytes (default ${DEFAULT-VALUE}).")
    String maxUnused;
    @Option(names = "--dry-run", description = "Only print what would be done.")
    boolean dryRun;

    @Override
    public Integer call() {
        try (Repository repo = repository.open()) {
            run(repo, VerifyCommand.parsePercent(maxUnused, "--max-unused", true), dryRun, output.json, spec.commandLine().getOut());
            if (!dryRun) {
                metrics.publish(spec, "prune", repo, m -> { });   // the repository's size after the sweep
            }
        }
        return ExitCodes.OK;
    }

    static void run(Repository repo, double maxUnused, boolean dryRun, boolean json, PrintWriter out) {
        Pruner pruner = new Pruner(repo);
        Pruner.Plan plan = pruner.plan(maxUnused);
        Pruner.Result result = dryRun ? null : pruner.execute(plan);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dryRun", dryRun);
            m.put("packs", plan.packs());
            m.put("storedBytes", plan.storedBytes());
            m.put("unusedBytes", plan.unusedBytes());
            m.put("packsToDelete", plan.packsToDelete());
            m.put("packsToRepack", plan.packsToRepack());
            m.put("liveBytesToRepack", plan.liveBytesToRepack());
            if (result != null) {
                m.put("packsMarked", result.packsMarked());
                m.put("packsDeleted", result.packsDeleted());
                m.put("packsWritten", result.packsWritten());
                m.put("bytesFreed", result.bytesFreed());
                m.put("packsKeptForNewSnapshots", result.sweep().packsResurrected());
                m.put("marksWaiting", result.sweep().marksWaiting());
                m.put("waitingOn", result.sweep().waitingOn());
                m.put("expiredLeasesRemoved", result.expiredLeasesRemoved());
            }
            m.put("requests", repo.store().stats().snapshot());
            OutputOptions.printSummary(out, m);
            return;
        }
        out.printf("%d packs, %s stored, %s unused; %s delete %d packs, repack %d (%s live)%n", plan.packs(),
                Sizes.bytes(plan.storedBytes()), Sizes.bytes(plan.unusedBytes()), dryRun ? "would" : "will",
                plan.packsToDelete(), plan.packsToRepack(), Sizes.bytes(plan.liveBytesToRepack()));
        if (result != null) {
            out.printf("deleted %d packs, wrote %d packs and %d index files, freed %s%n", result.packsDeleted(),
                    result.packsWritten(), result.indexFilesWritten(), Sizes.bytes(result.bytesFreed()));
            if (result.sweep().packsResurrected() > 0) {
                out.printf("kept %d marked packs: snapshots committed since they were marked need them%n", result.sweep().packsResurrected());
            }
            for (String waiting : result.sweep().waitingOn()) {
                out.println("deferred: " + waiting + " (a later prune deletes them)");
            }
        }
    }
}
