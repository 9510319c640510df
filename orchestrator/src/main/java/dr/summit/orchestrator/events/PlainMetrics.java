package dr.summit.orchestrator.events;

import dr.summit.orchestrator.jobs.Job;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A minimal stand-in until module monitoring is wired: the seed's {@code dr_rto_actual_seconds} and
 * {@code dr_rpo_actual_seconds} of the last drill per source, and job outcomes counted per type and
 * state. The server seeds it from the jobs the repository holds, so a restart does not reset it.
 */
public final class PlainMetrics implements OrchestratorEvents, MetricsExposition {
    private final Map<String, double[]> drills = new ConcurrentHashMap<>();
    private final Map<String, Long> jobs = new ConcurrentHashMap<>();

    @Override
    public void jobFinished(Job job, Duration duration) {
        jobs.merge("type=\"" + job.type() + "\",state=\"" + job.state() + "\"", 1L, Long::sum);
    }

    @Override
    public void drillMeasured(String scenario, String source, Duration rto, Duration rpo, boolean passed) {
        drills.put("scenario=\"" + scenario + "\",source=\"" + source + "\"",
                new double[]{rto.toMillis() / 1000.0, rpo.toMillis() / 1000.0, passed ? 1 : 0});
    }

    @Override
    public void write(OutputStream out) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# HELP dr_rto_actual_seconds Measured recovery time of the last drill.\n# TYPE dr_rto_actual_seconds gauge\n");
        new TreeMap<>(drills).forEach((k, v) -> b.append("dr_rto_actual_seconds{").append(k).append("} ").append(v[0]).append('\n'));
        b.append("# HELP dr_rpo_actual_seconds Achieved recovery point (age of the newest restorable data) of the last drill.\n# TYPE dr_rpo_actual_seconds gauge\n");
        new TreeMap<>(drills).forEach((k, v) -> b.append("dr_rpo_actual_seconds{").append(k).append("} ").append(v[1]).append('\n'));
        b.append("# HELP dr_drill_passed Whether the last drill restored and verified everything (1) or not (0).\n# TYPE dr_drill_passed gauge\n");
        new TreeMap<>(drills).forEach((k, v) -> b.append("dr_drill_passed{").append(k).append("} ").append((int) v[2]).append('\n'));
        b.append("# HELP summit_orchestrator_jobs Jobs finished, by type and outcome.\n# TYPE summit_orchestrator_jobs gauge\n");
        new TreeMap<>(jobs).forEach((k, v) -> b.append("summit_orchestrator_jobs{").append(k).append("} ").append(v).append('\n'));
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }
}
