package dr.summit.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code repair index} and {@code repair snapshots} (docs/operations.md, "When the repository is damaged"). */
@Command(name = "repair", description = "Repair a damaged repository: 'repair index' (also 'repair-index') or 'repair snapshots'.",
        subcommands = {RepairCommand.class, RepairSnapshotsCommand.class})
final class RepairGroupCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
