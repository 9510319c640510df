package dr.summit.cli;

import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.Verifier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "verify", description = "Check the repository: structure always; pack contents with --read-data or --read-data-subset.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin RepositoryOptions repository;
    @Mixin OutputOptions output;
    @Mixin MetricsOptions metrics;
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true)
    ReadData readData;

    static final class ReadData {
        @Option(names = "--read-data", description = "Read and check every pack.")
        boolean all;
        @Option(names = "--read-data-subset", paramLabel = "N%", description = "Read and check a random N%% of the packs.")
        String subset;
    }

    @Override
    public Integer call() throws Exception {
        double fraction = 0;
        if (readData != null) {
            fraction = readData.all ? 1.0 : parsePercent(readData.subset);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Repository repo = repository.open()) {
            Verifier verifier = new Verifier(repo, Math.max(2, Runtime.getRuntime().availableProcessors()));
            long started = System.nanoTime();
            Verifier.Report r;
            try (Progress progress = Progress.start(() -> {
                long[] p = verifier.progress();
                return p[0] + "/" + p[2] + " packs, " + Progress.bytes(p[1], started, 0);
            });
                 StatusLines status = StatusLines.start(output.json, out, () -> {
                     long[] p = verifier.progress();
                     Map<String, Object> line = new java.util.LinkedHashMap<>();
                     StatusLines.putFraction(line, p[0], p[2]);
                     line.put("packs_done", p[0]);
                     line.put("packs_total", p[2]);
                     line.put("bytes_read", p[1]);
                     return line;
                 })) {
                r = verifier.verify(fraction);
            }
            if (output.json) {
                Map<String, Object> json = new java.util.LinkedHashMap<>(dr.summit.repository.format.Json.MAPPER.convertValue(r,
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
                json.put("requests", repo.store().stats().snapshot());
                OutputOptions.printSummary(out, json);
            } else {
                r.warnings().forEach(w -> out.println("warning: " + w));
                r.errors().forEach(e -> out.println("error: " + e));
                for (Map.Entry<String, Set<String>> a : r.affected().entrySet()) {
                    out.println("damaged " + a.getKey() + " affects snapshots: "
                            + String.join(" ", a.getValue().stream().map(id -> id.substring(0, 8)).toList()));
                }
                out.printf("%d snapshots, %d packs indexed, %d packs read (%s): %s%n", r.snapshots(), r.packsIndexed(),
                        r.packsRead(), Sizes.bytes(r.bytesRead()), r.ok() ? "no errors" : r.errors().size() + " errors");
            }
            boolean ok = r.ok();
            metrics.publish(spec, "verify", repo, m -> m.recordVerify(ok, java.time.Instant.now()));
            return r.ok() ? ExitCodes.OK : ExitCodes.ERROR;
        }
    }

    static double parsePercent(String s) {
        return parsePercent(s, "--read-data-subset", false);
    }

    /** "10%" or "10" → 0.1; {@code zeroAllowed} for limits such as prune's --max-unused 0%. */
    static double parsePercent(String s, String option, boolean zeroAllowed) {
        String v = s.endsWith("%") ? s.substring(0, s.length() - 1) : s;
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || d == 0 && !zeroAllowed || d > 100 || Double.isNaN(d)) {
                throw new NumberFormatException();
            }
            return d / 100.0;
        } catch (NumberFormatException e) {
            throw new CommandFailure(option + " wants a percentage in " + (zeroAllowed ? "[0, 100]" : "(0, 100]") + ", e.g. 10%", ExitCodes.USAGE);
        }
    }
}
