package dr.summit.cli;

import dr.summit.postgres.stream.StreamStatus;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.sql.Connection;
import java.util.concurrent.Callable;

@Command(name = "status", description = {"Where WAL streaming stands: the primary's position, what the repository holds (durable, "
        + "replayable), the receiver as the primary sees it (state, sync, received and flushed LSN, flush lag) and the WAL its slot keeps.",
        "Exit 3 when there is something to warn about (receiver down, slot inactive or losing WAL, no max_slot_wal_keep_size)."})
final class PgStatusCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin PgCommand.ClusterOption cluster;
    @Spec CommandSpec spec;
    @Mixin StreamOptions stream;
    @Mixin MetricsOptions metrics;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        StreamStatus s;
        try (Repository repo = repository.openWithoutIndex(); Connection conn = PgCommand.connect(stream.dsn, spec.commandLine().getErr())) {
            s = StreamStatus.read(conn, repo, cluster.cluster, stream.slot, stream.applicationName);
        }
        if (output.json) {
            OutputOptions.printJson(out, s);
        } else {
            out.printf("primary at %s (timeline %d); repository holds WAL to %s: %s behind%n", s.currentLsn(), s.timeline(), s.durableLsn(),
                    Sizes.bytes(s.lagBytes()));
            if (s.receiverState() == null) {
                out.printf("receiver %s: not connected%n", s.applicationName());
            } else {
                out.printf("receiver %s: %s, %s, received %s, flushed %s%s%n", s.applicationName(), s.receiverState(), s.syncState(),
                        s.writeLsn(), s.flushLsn(), s.flushLagSeconds() == null ? "" : String.format(", flush lag %.3f s", s.flushLagSeconds()));
            }
            if (s.slotExists()) {
                out.printf("slot %s: %s, restart_lsn %s, wal_status %s, keeps %s (max_slot_wal_keep_size %s)%n", s.slot(),
                        s.slotActive() ? "active" : "inactive", s.slotRestartLsn(), s.slotWalStatus(),
                        s.retainedBytes() == null ? "?" : Sizes.bytes(s.retainedBytes()), s.maxSlotWalKeepSize());
            }
        }
        s.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
        // the byte lag needs the primary, which only this command and the server see (WALArchiveLag uses it)
        long lagBytes = s.lagBytes();
        metrics.publish(spec, "pg-status", null, m -> m.recordWalLagBytes(lagBytes));
        return s.warnings().isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
    }
}
