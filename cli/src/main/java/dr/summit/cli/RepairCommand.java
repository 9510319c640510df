package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.IndexRepair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "repair-index", aliases = "index", description = {"Rebuild the index from the packs: index packs no index lists, drop packs that are gone",
        "from the store (e.g. a damaged pack moved to quarantine), replace damaged index files. The next backup stores lost content again."})
final class RepairCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        try (Repository repo = repository.open()) {
            IndexRepair.Result r = new IndexRepair(repo).run();
            if (output.json) {
                Map<String, Object> json = new java.util.LinkedHashMap<>();
                json.put("packsIndexed", r.packsIndexed());
                json.put("missingPacksDropped", r.missingPacksDropped());
                json.put("damagedIndexFilesRemoved", r.damagedIndexFilesRemoved());
                json.put("quarantined", r.quarantined());
                json.put("requests", repo.store().stats().snapshot());
                OutputOptions.printJson(spec.commandLine().getOut(), json);
            } else {
                spec.commandLine().getOut().printf("indexed %d packs from their trailers, dropped %d missing packs, replaced %d damaged index files%n",
                        r.packsIndexed(), r.missingPacksDropped(), r.damagedIndexFilesRemoved());
                r.quarantined().forEach(q -> spec.commandLine().getOut().println("moved aside: " + q));
            }
        }
        return ExitCodes.OK;
    }
}
