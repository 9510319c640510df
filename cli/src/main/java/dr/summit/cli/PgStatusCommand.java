package dr.summit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dr.summit.postgres.agent.AgentStatusClient;
import dr.summit.postgres.stream.StreamStatus;
import dr.summit.repository.format.Json;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "status", description = {"Where WAL streaming stands: the primary's position, what the repository holds (durable, "
        + "replayable), the receiver as the primary sees it (state, sync, received and flushed LSN, flush lag) and the WAL its slot keeps.",
        "With --agent, also the agent's own view: the receiver's state and its last error, which the primary never sees.",
        "Exit 3 when there is something to warn about (receiver down, failing or retrying, agent unreachable, slot inactive or losing WAL, "
                + "no max_slot_wal_keep_size)."})
final class PgStatusCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin PgCommand.ClusterOption cluster;
    @Spec CommandSpec spec;
    @Mixin StreamOptions stream;
    @Mixin MetricsOptions metrics;
    @Option(names = "--agent", paramLabel = "SOCKET", description = "The resident agent's socket: adds the receiver's state and last error as the agent sees them.")
    Path agent;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> warnings = new ArrayList<>();
        JsonNode agentStatus = null;
        String agentError = null;
        if (agent != null) {
            // Asked first: when the primary is down, the agent's view is all there is to see.
            try {
                agentStatus = AgentStatusClient.read(agent, Duration.ofSeconds(5));
                warnings.addAll(receiverWarnings(agentStatus));
            } catch (java.io.IOException e) {
                agentError = e.getMessage();
                warnings.add(agentError);
            }
        }
        StreamStatus s = null;
        try (Repository repo = repository.openWithoutIndex()) {
            // Only the connection's failure means "the primary is down"; the repository's own errors stay errors.
            Connection conn = null;
            try {
                conn = PgCommand.connect(stream.dsn, spec.commandLine().getErr());
            } catch (CommandFailure primaryDown) {
                if (agentStatus == null) {
                    warnings.forEach(w -> spec.commandLine().getErr().println("warning: " + w));
                    throw primaryDown;
                }
                warnings.add(0, "the primary is unreachable: " + primaryDown.getMessage());
            }
            if (conn != null) {
                try (Connection open = conn) {
                    s = StreamStatus.read(open, repo, cluster.cluster, stream.slot, stream.applicationName);
                }
                warnings.addAll(0, s.warnings());
            }
            warnings.addAll(openGapWarnings(repo));
        }
        if (output.json) {
            Map<String, Object> json = new java.util.LinkedHashMap<>();
            if (s != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> primary = Json.MAPPER.convertValue(s, java.util.LinkedHashMap.class);
                json.putAll(primary);
            }
            json.put("warnings", warnings);
            if (agent != null) {
                json.put("agent", agentStatus);
                json.put("agentError", agentError);
            }
            OutputOptions.printJson(out, json);
        } else if (s != null) {
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
        if (!output.json && agentStatus != null) {
            printAgent(out, agentStatus);
        }
        warnings.forEach(w -> spec.commandLine().getErr().println("warning: " + w));
        if (s == null) {
            return ExitCodes.ERROR;
        }
        // the byte lag needs the primary, which only this command and the server see (WALArchiveLag uses it)
        long lagBytes = s.lagBytes();
        metrics.publish(spec, "pg-status", null, m -> m.recordWalLagBytes(lagBytes));
        return warnings.isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
    }

    /** WAL the backlog valve let go without storing, not yet closed by a base backup: PITR stops short of it. */
    private List<String> openGapWarnings(Repository repo) {
        var catalogue = new dr.summit.postgres.restore.PgCatalogue(repo, cluster.cluster);
        List<String> found = new ArrayList<>();
        for (var gap : catalogue.gaps(new dr.summit.postgres.restore.PgRestore(repo, cluster.cluster).backups())) {
            if (gap.open()) {
                found.add("WAL gap " + gap.gap().describe() + " is open: no restore target at or after its start until a base backup closes it");
            }
        }
        return found;
    }

    private void printAgent(PrintWriter out, JsonNode agentStatus) {
        JsonNode receiver = agentStatus.path("stream");
        if (receiver.isMissingNode() || receiver.isNull()) {
            out.printf("agent at %s: runs no WAL receiver (started without --stream)%n", agent);
            return;
        }
        out.printf("agent at %s: receiver %s, received %s, flushed %s%s%n", agent, receiver.path("state").asText(),
                receiver.path("receivedLsn").asText(), receiver.path("flushedLsn").asText(),
                receiver.path("lastError").isTextual() ? ", last error at " + receiver.path("lastErrorTime").asText() + ": "
                        + receiver.path("lastError").asText() : "");
        JsonNode valve = receiver.path("valve");
        if (valve.isObject()) {
            out.printf("agent's backlog valve: limit %s, %d gap(s) of %s not yet in the repository%s%s%n",
                    Sizes.bytes(valve.path("maxWalBacklog").asLong()), valve.path("gapsNotInRepository").asInt(),
                    Sizes.bytes(valve.path("gapBytesNotInRepository").asLong()),
                    valve.path("gapBackup").isTextual() ? ", closing backup: " + valve.path("gapBackup").asText() : "",
                    valve.path("repositoryError").isTextual() ? ", repository error: " + valve.path("repositoryError").asText() : "");
        }
    }

    /** A receiver that is not streaming is worth a warning, with the reason only the agent knows. */
    static List<String> receiverWarnings(JsonNode agentStatus) {
        JsonNode receiver = agentStatus.path("stream");
        if (receiver.isMissingNode() || receiver.isNull()) {
            return List.of();
        }
        String state = receiver.path("state").asText();
        if (state.equals("streaming") || state.equals("connecting")) {
            return List.of();
        }
        String error = receiver.path("lastError").isTextual()
                ? " since " + receiver.path("lastErrorTime").asText() + ": " + receiver.path("lastError").asText() : "";
        return List.of("the agent's WAL receiver is " + state + error);
    }
}
