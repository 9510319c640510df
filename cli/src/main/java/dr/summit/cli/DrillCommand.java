package dr.summit.cli;

import dr.summit.orchestrator.Orchestrator;
import dr.summit.orchestrator.OrchestratorConfig;
import dr.summit.orchestrator.drills.Drills;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.repository.Repository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "drill", description = "DR drills without a server (the same code as POST /api/v1/drills/run).",
        subcommands = {DrillCommand.Run.class})
final class DrillCommand {
    @Command(name = "run", description = {"Restore for real into scratch directories, verify, and report the measured RTO and achieved RPO.",
            "Exit 0 when every source passed, 1 when any failed (corruption, mismatch, missing backup)."})
    static final class Run implements Callable<Integer> {
        /** What the drill's claim names as its holder: a server refused while it runs says to look for this command. */
        static final String PROGRAM = "summit-dr drill run";

        @Mixin RepositoryOptions repository;
        @Mixin OutputOptions output;
        @Spec CommandSpec spec;
        @Option(names = "--scenario", required = true, description = "backup-validation, pitr-random or total-data-loss.")
        String scenario;
        @Option(names = "--source", paramLabel = "KIND[:NAME]", description = "Only this source (default: every configured source).")
        String source;

        @Override
        public Integer call() throws Exception {
            if (!Drills.SCENARIOS.contains(scenario)) {
                throw new CommandFailure("--scenario must be one of " + Drills.SCENARIOS, ExitCodes.USAGE);
            }
            // Its schedules are the server's business: a one-off drill neither runs them nor counts their missed runs.
            OrchestratorConfig cfg = OrchestratorCli.config(spec).withoutSchedules();
            PrintWriter out = spec.commandLine().getOut();
            try (Repository repo = repository.open();
                 Orchestrator o = new Orchestrator(repo, cfg, List.of(), null, Clock.systemUTC(), PROGRAM)) {
                JobRunner.Spec job = new JobRunner.Spec("drill", source, scenario, null, false, "cli:" + System.getProperty("user.name"),
                        "drill:" + scenario, true, null);
                JobRunner.Submitted s = o.jobs().submit(job, ctx -> o.drills().run(scenario, source, ctx));
                Job done = o.jobs().await(s.job().id(), Duration.ofDays(1));
                Map<String, Object> result = done.result();
                if (output.json) {
                    OutputOptions.printJson(out, done);
                } else if (result != null) {
                    out.printf("drill %s (job %s): %s, RTO %.3f s, RPO %.3f s%n", scenario, done.id(),
                            Boolean.TRUE.equals(result.get("passed")) ? "passed" : "FAILED", num(result.get("rtoSeconds")), num(result.get("rpoSeconds")));
                    if (result.get("sources") instanceof List<?> sources) {
                        for (Object o2 : sources) {
                            if (o2 instanceof Map<?, ?> m) {
                                out.printf("  %s: %s, backup %s, RTO %.3f s, RPO %.3f s%s%n", m.get("source"),
                                        Boolean.TRUE.equals(m.get("passed")) ? "passed" : "FAILED", m.get("backupId"), num(m.get("rtoSeconds")),
                                        num(m.get("rpoSeconds")), m.get("problems") != null ? " — " + m.get("problems") : "");
                            }
                        }
                    }
                    out.println("  report: " + result.get("reportAt"));
                }
                out.flush();
                if (!Job.SUCCEEDED.equals(done.state())) {
                    throw new CommandFailure(done.error() == null ? "drill " + done.state() : done.error());
                }
            }
            return ExitCodes.OK;
        }

        private static double num(Object o) {
            return o instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }
}
