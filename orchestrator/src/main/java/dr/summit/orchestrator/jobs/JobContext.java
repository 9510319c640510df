package dr.summit.orchestrator.jobs;

/** What running work reports back: its phase, progress (0..1) and bytes; and whether it was cancelled. */
public interface JobContext {
    void phase(String phase);

    void progress(double fraction, long bytes);

    /** Throws InterruptedException once the job is cancelled; long loops call it between steps. */
    void checkCancelled() throws InterruptedException;

    String jobId();
}
