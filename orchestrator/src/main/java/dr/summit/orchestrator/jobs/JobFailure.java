package dr.summit.orchestrator.jobs;

import java.util.Map;

/** Work that ran to the end and found a problem (a drill's mismatch): the job fails and keeps what it found. */
public final class JobFailure extends Exception {
    private final transient Map<String, Object> result;

    public JobFailure(String message, Map<String, Object> result) {
        super(message, null, false, false);
        this.result = result;
    }

    public Map<String, Object> result() {
        return result;
    }
}
