package dr.summit.cli;

import dr.summit.orchestrator.audit.AuditEntry;
import dr.summit.orchestrator.audit.AuditLog;
import dr.summit.orchestrator.records.Records;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "audit", description = "The orchestrator's hash-chained audit log in the repository.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.ListEntries.class})
final class AuditCommand {
    @Command(name = "verify", description = {"Check the chain: exit 0 when intact, 1 naming the first edited, removed or reordered entry.",
            "Keep the head it prints; --head HASH later also catches removal of the newest entries."})
    static final class Verify implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Option(names = "--head", paramLabel = "HASH", description = "A head printed by an earlier verify; it must still be in the log.")
        String head;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                AuditLog.Verification v = new AuditLog(new Records(repo), Clock.systemUTC()).verify(head);
                PrintWriter out = spec.commandLine().getOut();
                if (output.json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("intact", v.intact());
                    m.put("entries", v.entries());
                    m.put("head", v.head());
                    m.put("problem", v.problem());
                    OutputOptions.printJson(out, m);
                } else if (v.intact()) {
                    out.println("audit log intact: " + v.entries() + " entries, head " + (v.head().isEmpty() ? "(empty)" : v.head()));
                }
                if (!v.intact()) {
                    throw new CommandFailure("audit log damaged: " + v.problem() + " (" + v.entries() + " entries verified before it)");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "Print audit entries, oldest first.")
    static final class ListEntries implements Callable<Integer> {
        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Option(names = "--after", defaultValue = "0", description = "Entries after this sequence number.")
        long after;
        @Option(names = "--limit", defaultValue = "100", description = "At most this many (default ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() {
            try (Repository repo = repository.openWithoutIndex()) {
                List<AuditEntry> entries = new AuditLog(new Records(repo), Clock.systemUTC()).page(after, limit);
                PrintWriter out = spec.commandLine().getOut();
                if (output.json) {
                    OutputOptions.printJson(out, entries.stream().map(e -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("seq", e.seq());
                        m.put("time", e.time().toString());
                        m.put("actor", e.actor());
                        m.put("role", e.role());
                        m.put("action", e.action());
                        m.put("target", e.target());
                        m.put("remote", e.remote());
                        m.put("result", e.result());
                        m.put("hash", e.hash());
                        return m;
                    }).toList());
                } else {
                    for (AuditEntry e : entries) {
                        out.printf("%d  %s  %s (%s) %s %s from %s: %s%n", e.seq(), e.time(), e.actor(), e.role(), e.action(), e.target(), e.remote(), e.result());
                    }
                }
            }
            return ExitCodes.OK;
        }
    }
}
