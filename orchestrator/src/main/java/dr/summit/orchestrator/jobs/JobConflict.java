package dr.summit.orchestrator.jobs;

/** A job that would act on a target another running job is acting on (answered 409, naming that job). */
public final class JobConflict extends RuntimeException {
    private final String runningJob;

    public JobConflict(String message, String runningJob) {
        super(message, null, false, false);
        this.runningJob = runningJob;
    }

    public String runningJob() {
        return runningJob;
    }
}
