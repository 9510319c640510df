package dr.summit.orchestrator.jobs;

import dr.summit.orchestrator.records.Records;
import dr.summit.repository.lease.Lease;
import dr.summit.repository.lease.LocalProcesses;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;

import java.time.Instant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Jobs in the repository: each state a job passes through is a new record
 * {@code orchestrator/jobs/ID/NNNNNN} (write-once); a job's state is its highest one. Idempotency keys
 * are records {@code orchestrator/idempotency/SHA256(key)} naming the job, written once by whichever
 * server takes the key first. A job whose newest record is unfinished while its holder's claim is gone or expired
 * is read as {@code interrupted} ({@link JobInterruption}); nothing is written for it, so a reader never writes
 * over a job a live server owns, and needs no write access.
 */
public final class JobStore {
    private final Records records;
    private final Map<String, Integer> sequence = new LinkedHashMap<>();
    /**
     * Finished jobs by the name of their final record: a finished state is the last one a job gets and records are
     * written once, so it never needs reading again. Without it every /metrics scrape and status read one record per
     * job ever run (8,760 GETs a year of an hourly schedule, each scrape). Keyed by name, so a newer state of the same
     * job (written by another server) is read, not shadowed.
     */
    private final Map<String, Job> finished = new java.util.concurrent.ConcurrentHashMap<>();

    public JobStore(Records records) {
        this.records = records;
    }

    public synchronized void save(Job job) {
        int next = sequence.getOrDefault(job.id(), lastSequence(job.id())) + 1;
        while (true) {
            try {
                records.put("jobs/" + job.id() + "/" + String.format("%06d", next), job);
                sequence.put(job.id(), next);
                return;
            } catch (ObjectExistsException taken) {
                next++; // another server wrote this job's next state (a cancel): ours follows it
            }
        }
    }

    private int lastSequence(String id) {
        List<String> names = records.list("jobs/" + id + "/");
        return names.isEmpty() ? 0 : Integer.parseInt(names.get(names.size() - 1).substring(names.get(names.size() - 1).lastIndexOf('/') + 1));
    }

    public Optional<Job> find(String id) {
        return recorded(id).map(this::asReported);
    }

    /** The job's newest record, as written. */
    private Optional<Job> recorded(String id) {
        if (!id.matches("[0-9a-f]{16}")) {
            return Optional.empty();
        }
        List<String> names = records.list("jobs/" + id + "/");
        return names.isEmpty() ? Optional.empty() : Optional.of(records.get(names.get(names.size() - 1), Job.class));
    }

    /**
     * The job as readers see it: interrupted when unfinished and its holder's lease is gone or expired. A holder saves
     * a job's final record before it releases the claim, so when the lease is gone the record is read once more: a
     * job that just finished shows its outcome, never "interrupted".
     */
    private Job asReported(Job job) {
        if (job.finishedState() || job.holder() == null || job.holder().lease() == null) {
            return job;
        }
        var store = records.repository().store();
        var times = records.repository().leaseTimes();
        Lease lease;
        try {
            lease = Lease.fromJson(store.get(Lease.objectName(job.holder().lease())), Lease.objectName(job.holder().lease()));
        } catch (ObjectNotFoundException gone) {
            lease = null;
        } catch (RuntimeException unreadable) {
            return job; // a damaged or unreachable lease proves nothing: report what was recorded
        }
        if (lease == null) {
            Optional<Job> again = recorded(job.id());
            if (again.isPresent() && again.get().finishedState()) {
                return again.get();
            }
        }
        boolean gone = lease != null && LocalProcesses.holderIsGone(lease, LocalProcesses.machineScope());
        return JobInterruption.judge(job, lease, gone, Instant.now(), times.maxClockSkew()).orElse(job);
    }

    /** Every job, newest first by creation. */
    public List<Job> all() {
        Map<String, String> latest = new LinkedHashMap<>();
        for (String name : records.list("jobs/")) {
            String[] parts = name.split("/");
            if (parts.length == 3) {
                latest.merge(parts[1], name, (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        List<Job> jobs = new ArrayList<>();
        for (String name : latest.values()) {
            Job j = finished.get(name);
            if (j == null) {
                j = records.get(name, Job.class);
                if (j.finishedState()) {
                    finished.put(name, j);
                }
            }
            jobs.add(asReported(j));
        }
        jobs.sort((a, b) -> b.created().compareTo(a.created()));
        return jobs;
    }

    /** Claims {@code keyHash} for {@code jobId}; returns the job id that holds it (another one if taken). */
    public String claimIdempotencyKey(String keyHash, String jobId) {
        try {
            records.put("idempotency/" + keyHash, Map.of("job", jobId));
            return jobId;
        } catch (ObjectExistsException taken) {
            return heldBy(keyHash).orElseThrow();
        }
    }

    public Optional<String> heldBy(String keyHash) {
        if (!records.exists("idempotency/" + keyHash)) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, String> m = records.get("idempotency/" + keyHash, Map.class);
        return Optional.ofNullable(m.get("job"));
    }
}
