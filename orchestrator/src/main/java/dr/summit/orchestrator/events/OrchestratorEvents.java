package dr.summit.orchestrator.events;

import dr.summit.orchestrator.jobs.Job;

import java.time.Duration;

/**
 * Job and drill events, for metrics (module monitoring plugs in here) and notifications. Called on the
 * job's thread; implementations must be quick and must not throw.
 */
public interface OrchestratorEvents {
    default void jobStarted(Job job) {
    }

    /** {@code job.state()} is succeeded, failed or cancelled. */
    default void jobFinished(Job job, Duration duration) {
    }

    /** A drill's measured recovery time and achieved recovery point of one source. */
    default void drillMeasured(String scenario, String source, Duration rto, Duration rpo, boolean passed) {
    }

    /** A schedule's run did not start at {@code due} (told once per due time, by the server that found it). */
    default void scheduleMissed(String schedule, java.time.Instant due, String reason) {
    }

    OrchestratorEvents NONE = new OrchestratorEvents() {
    };

    /** Tells every listener, in order; one that throws does not stop the others. */
    static OrchestratorEvents all(java.util.List<OrchestratorEvents> listeners) {
        return new OrchestratorEvents() {
            @Override
            public void jobStarted(Job job) {
                listeners.forEach(l -> safely(() -> l.jobStarted(job)));
            }

            @Override
            public void jobFinished(Job job, Duration duration) {
                listeners.forEach(l -> safely(() -> l.jobFinished(job, duration)));
            }

            @Override
            public void drillMeasured(String scenario, String source, Duration rto, Duration rpo, boolean passed) {
                listeners.forEach(l -> safely(() -> l.drillMeasured(scenario, source, rto, rpo, passed)));
            }

            @Override
            public void scheduleMissed(String schedule, java.time.Instant due, String reason) {
                listeners.forEach(l -> safely(() -> l.scheduleMissed(schedule, due, reason)));
            }
        };
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException ignored) {
            // a listener's failure must not fail the job it reports on
        }
    }
}
