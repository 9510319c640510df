package dr.summit.orchestrator;

import dr.summit.orchestrator.audit.AuditLog;
import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.Job;

import java.time.Duration;

/** Every job's outcome in the audit log, under the name of whoever asked for it. */
final class AuditedOutcomes implements OrchestratorEvents {
    private final AuditLog audit;

    AuditedOutcomes(AuditLog audit) {
        this.audit = audit;
    }

    @Override
    public void jobFinished(Job job, Duration duration) {
        String what = job.type() + (job.scenario() != null ? " " + job.scenario() : "") + (job.source() != null ? " " + job.source() : "");
        audit.append(job.requestedBy() == null ? "server" : job.requestedBy(), "-", "job." + job.state(), "job " + job.id() + " (" + what + ")",
                "server", job.state() + (job.error() != null ? ": " + job.error() : "") + " in " + duration.toMillis() + " ms");
    }
}
