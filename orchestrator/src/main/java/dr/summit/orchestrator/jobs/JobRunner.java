package dr.summit.orchestrator.jobs;

import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.repository.Repository;
import dr.summit.repository.lease.ClaimTaken;
import dr.summit.repository.lease.Lease;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs jobs on a small pool and records every state in the {@link JobStore}. Two jobs with the same
 * conflict key (a recovery target) never run at once: the second is refused ({@link JobConflict}, 409)
 * or, when its spec says {@code coalesce} (a drill or backup of the same kind), answered with the one
 * already running, so an overlapping schedule never fails on a lock. Across servers sharing the
 * repository the same holds through {@link Claims}: a job holds a claim on its conflict key while it
 * is queued or running, and a second server's job of the same key is refused or joins it. An
 * idempotency key returns the job it first created, from any server sharing the repository.
 */
public final class JobRunner implements AutoCloseable {
    /** The work of a job; returns what it found (the job's result). */
    @FunctionalInterface
    public interface Work {
        Map<String, Object> run(JobContext context) throws Exception;
    }

    /**
     * @param conflictKey jobs with equal keys do not overlap (null: none)
     * @param coalesce    answer with the running job instead of refusing
     */
    public record Spec(String type, String source, String scenario, String target, boolean dryRun, String requestedBy,
                       String conflictKey, boolean coalesce, String idempotencyKey) {
    }

    /** The job and whether this request created it (false: an idempotent retry or a coalesced request). */
    public record Submitted(Job job, boolean created) {
    }

    private final JobStore store;
    private final OrchestratorEvents events;
    private final Clock clock;
    private final ExecutorService pool;
    private final Map<String, String> running = new ConcurrentHashMap<>();
    private final Map<String, Future<?>> futures = new ConcurrentHashMap<>();
    private final Map<String, Claims.Held> claimsHeld = new ConcurrentHashMap<>();
    private final Claims claims;

    /** Exclusion within this runner only. */
    public JobRunner(JobStore store, OrchestratorEvents events, Clock clock, int threads) {
        this(store, events, clock, threads, Claims.LOCAL_ONLY);
    }

    public JobRunner(JobStore store, OrchestratorEvents events, Clock clock, int threads, Claims claims) {
        this.claims = claims;
        this.store = store;
        this.events = events;
        this.clock = clock;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "summit-job");
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized Submitted submit(Spec spec, Work work) {
        String keyHash = spec.idempotencyKey() == null ? null : sha256(spec.requestedBy() + "\n" + spec.idempotencyKey());
        if (keyHash != null) {
            Optional<String> held = store.heldBy(keyHash);
            if (held.isPresent()) {
                return new Submitted(find(held.get()).orElseThrow(), false);
            }
        }
        if (spec.conflictKey() != null && running.containsKey(spec.conflictKey())) {
            String other = running.get(spec.conflictKey());
            if (spec.coalesce()) {
                return new Submitted(find(other).orElseThrow(), false);
            }
            throw new JobConflict(spec.conflictKey() + " is being recovered by job " + other, other);
        }
        String id = Repository.randomHex().substring(0, 16);
        Claims.Held claim = null;
        if (spec.conflictKey() != null) {
            try {
                claim = claimOnceReleased(spec.conflictKey(), id);
            } catch (ClaimTaken taken) {
                return elsewhere(spec, taken);
            }
        }
        if (keyHash != null) {
            String holder = store.claimIdempotencyKey(keyHash, id);
            if (!holder.equals(id)) {
                if (claim != null) {
                    claim.close();
                }
                return new Submitted(find(holder).orElseThrow(), false); // another server took it first
            }
        }
        // The job names its claim's lease, so any reader can tell later whether its holder still runs (JobInterruption).
        Lease lease = claim == null ? null : claim.lease();
        Job job = new Job(id, spec.type(), spec.source(), spec.scenario(), spec.target(), Job.QUEUED, "queued", 0, 0,
                clock.instant(), null, null, null, spec.requestedBy(), spec.dryRun(), null,
                lease == null ? null : new Job.Holder(lease.id(), lease.host(), lease.pid(), lease.command()));
        store.save(job);
        if (spec.conflictKey() != null) {
            running.put(spec.conflictKey(), id);
            claimsHeld.put(id, claim);
        }
        futures.put(id, pool.submit(() -> run(job, spec, work)));
        return new Submitted(job, true);
    }

    /**
     * Claims {@code key}, waiting up to 2 s while its holder's job is already recorded as finished: a job's claim is
     * released just after its final record is saved, so a client that saw the end and starts the next job at once is
     * not refused for those milliseconds.
     */
    private Claims.Held claimOnceReleased(String key, String id) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            try {
                return claims.claim(key, id);
            } catch (ClaimTaken taken) {
                String other = Claims.jobOf(taken);
                boolean ending = other != null && store.find(other).map(Job::finishedState).orElse(false);
                if (!ending || System.nanoTime() > deadline) {
                    throw taken;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw taken;
                }
            }
        }
    }

    /**
     * Another server holds the claim: join its job when the spec coalesces, else refuse (409). Its job record is
     * written just after its claim, so a joiner waits a moment for it to appear.
     */
    private Submitted elsewhere(Spec spec, ClaimTaken taken) {
        String other = Claims.jobOf(taken);
        if (spec.coalesce() && other != null) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (true) {
                Optional<Job> j = find(other);
                if (j.isPresent()) {
                    return new Submitted(j.get(), false);
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        String host = taken.holder() == null ? "another server"
                : (Claims.SERVER.equals(taken.holder().command()) ? "the server" : "'" + taken.holder().command() + "'")
                + " on " + taken.holder().host() + " (pid " + taken.holder().pid() + ")";
        throw new JobConflict(spec.conflictKey() + " is busy: " + (other != null ? "job " + other + " of " + host : host) + " holds it"
                + (taken.holder() == null ? "" : " until its lease expires at " + taken.holder().expires() + " unless renewed"), other);
    }

    private void release(String jobId) {
        Claims.Held held = claimsHeld.remove(jobId);
        if (held != null) {
            held.close();
        }
    }

    private void run(Job queued, Spec spec, Work work) {
        Instant started = clock.instant();
        Context context = new Context(queued.with(Job.RUNNING, "starting", 0, 0, started, null, null, null));
        store.save(context.job);
        events.jobStarted(context.job);
        Job done;
        try {
            Map<String, Object> result = work.run(context);
            Job last = context.job;
            done = last.with(Job.SUCCEEDED, "done", 1, last.bytes(), started, clock.instant(), null, result);
        } catch (InterruptedException e) {
            Job last = context.job;
            done = last.with(Job.CANCELLED, last.phase(), last.progress(), last.bytes(), started, clock.instant(), "cancelled", null);
        } catch (JobFailure e) {
            Job last = context.job;
            done = last.with(Job.FAILED, last.phase(), last.progress(), last.bytes(), started, clock.instant(), oneLine(e), e.result());
        } catch (Exception | LinkageError e) {
            Job last = context.job;
            done = last.with(Job.FAILED, last.phase(), last.progress(), last.bytes(), started, clock.instant(), oneLine(e), null);
        } finally {
            if (spec.conflictKey() != null) {
                running.remove(spec.conflictKey(), queued.id());
            }
            futures.remove(queued.id());
            Thread.interrupted(); // a late cancel must not break the save below
        }
        try {
            // Listeners (audit, metrics) first: once a client sees the job finished, its outcome is recorded.
            events.jobFinished(done, Duration.between(started, done.finished()));
            store.save(done);
        } finally {
            // The claim goes only after the final record: a reader that finds the claim gone while the job's newest
            // record is unfinished knows its holder stopped (JobInterruption). A client that saw the end and is
            // refused in between is told so and retries (elsewhere()).
            release(queued.id());
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("[\\r\\n]+", " ");
    }

    public Optional<Job> find(String id) {
        return store.find(id);
    }

    /** Cancels a queued or running job of this server; the job ends as cancelled. */
    public Optional<Job> cancel(String id) {
        Future<?> f = futures.get(id);
        if (f == null) {
            return store.find(id);
        }
        f.cancel(true);
        if (f.isCancelled() && store.find(id).map(j -> Job.QUEUED.equals(j.state())).orElse(false)) {
            // never started: record the end here, as run() will not
            Job queued = store.find(id).orElseThrow();
            Job done = queued.with(Job.CANCELLED, "cancelled", 0, 0, null, clock.instant(), "cancelled before it started", null);
            store.save(done);
            futures.remove(id);
            running.values().remove(id);
            release(id);
            events.jobFinished(done, Duration.ZERO);
        }
        return store.find(id);
    }

    /** Whether this server runs the job now (for cancel: a job of another server is not ours to stop). */
    public boolean isLocal(String id) {
        return futures.containsKey(id);
    }

    /** Waits for a job to finish (tests, the CLI's drill run). */
    public Job await(String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Job j = store.find(id).orElseThrow();
            if (j.finishedState() || System.nanoTime() > deadline) {
                return j;
            }
            Thread.sleep(50);
        }
    }

    private final class Context implements JobContext {
        private volatile Job job;
        private long lastSaved;

        Context(Job job) {
            this.job = job;
        }

        @Override
        public void phase(String phase) {
            job = job.with(job.state(), phase, job.progress(), job.bytes(), job.started(), null, null, null);
            store.save(job);
        }

        @Override
        public void progress(double fraction, long bytes) {
            job = job.with(job.state(), job.phase(), Math.max(0, Math.min(1, fraction)), bytes, job.started(), null, null, null);
            long now = System.nanoTime();
            if (now - lastSaved > TimeUnit.SECONDS.toNanos(5)) {
                store.save(job); // progress is saved at most every 5 s: records are write-once
                lastSaved = now;
            }
        }

        @Override
        public void checkCancelled() throws InterruptedException {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("cancelled");
            }
        }

        @Override
        public String jobId() {
            return job.id();
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Jobs that were queued never run here: their claims go now, so another server need not wait for them to expire.
        for (String id : List.copyOf(claimsHeld.keySet())) {
            release(id);
        }
    }
}
