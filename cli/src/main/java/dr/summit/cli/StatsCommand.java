package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "stats", description = "Show repository size, deduplication and the store requests this command made.")
final class StatsCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            RepositoryStats s = RepositoryStats.of(repo);
            // Sizes count readable snapshots only: say which were not counted.
            repo.unreadableSnapshots().stream().filter(u -> !u.foreign() && !repo.skipsDamagedSnapshots()).forEach(u ->
                    spec.commandLine().getErr().println("warning: snapshot " + u.describe() + " not counted"));
            if (output.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("repositoryId", repo.config().repositoryId());
                m.put("formatVersion", 1);
                m.put("stats", s);
                m.put("unreadableSnapshots", repo.unreadableSnapshots().stream().map(u -> u.name()).toList());
                m.put("indexRecordBytes", repo.index().recordBytes());
                m.put("indexEntries", repo.index().size());
                m.put("indexMemoryBytes", repo.index().memoryBytes());
                m.put("requests", repo.store().stats().snapshot());
                OutputOptions.printJson(out, m);
            } else {
                out.printf("repository %s (format 1) at %s%n", repo.config().repositoryId().substring(0, 8), repo.store().location());
                out.printf("  snapshots:        %d%n", s.snapshots());
                out.printf("  packs:            %d%n", s.packs());
                out.printf("  blobs:            %d data, %d tree%n", s.dataBlobs(), s.treeBlobs());
                out.printf("  stored:           %s%n", Sizes.bytes(s.storedBytes()));
                out.printf("  restore size:     %s (all snapshots)%n", Sizes.bytes(s.logicalBytes()));
                out.printf("  dedup ratio:      %.2f%n", s.dedupRatio());
                out.printf("  compression:      %s%n", repo.config().compression());
                long entries = repo.index().size();
                long held = repo.index().memoryBytes();
                out.printf("  index in memory:  %s for %d entries%s%n", Sizes.bytes(held), entries,
                        entries == 0 ? "" : String.format(" (%.1f B each)", held / (double) entries));
            }
        }
        return ExitCodes.OK;
    }
}
