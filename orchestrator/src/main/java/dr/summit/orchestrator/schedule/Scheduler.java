package dr.summit.orchestrator.schedule;

import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobStore;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.orchestrator.records.Records;
import dr.summit.repository.store.ObjectExistsException;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Starts each schedule's job when it is due, through the {@link JobRunner} (whose conflict keys make a run that
 * would overlap a running job of the same kind coalesce into it instead of failing on a lock). It keeps no state
 * of its own beyond the next due time: a schedule's last run is the newest job it requested, and each missed run
 * is a write-once record {@code orchestrator/schedules/ID/missed/EPOCHSECOND.COUNT} (newest due time, how many,
 * reason), so a restarted
 * or second server shows the same history and no miss is counted or notified twice.
 * A run is missed when the server was not running at its due time (found at start: due times after the
 * schedule's newest job), when the previous run was still running (coalesced), or when the scheduler thread was
 * late past a later due time. Tests drive {@link #tick()} with their own clock.
 *
 * <p>Several servers may run the same schedules on one repository: each due time is started by the one that
 * first writes its write-once record {@code orchestrator/schedules/ID/runs/EPOCHSECOND}; the others note that it
 * ran elsewhere (not a miss). A schedule with {@code catchUp} whose due times passed while no server ran makes
 * up for them with one run at start, under the record of the newest missed due time, so two servers starting
 * together catch up once. The server that takes a due time deletes the schedule's run records that no server can
 * try again ({@link RunRecordRetention}: older than a week and not among the ten newest).
 */
public final class Scheduler implements AutoCloseable {
    /** Starts a schedule's job; {@code created} false: coalesced into the running one. */
    public interface Launcher extends Function<Schedule, JobRunner.Submitted> {
    }

    /** Due times counted at most per detection (a per-minute schedule down for two months). */
    private static final int MISSED_LOOKBACK = 100_000;
    private final List<Schedule> schedules;
    private final Launcher launcher;
    private final JobStore jobs;
    private final Records records;
    private final OrchestratorEvents events;
    private final Clock clock;
    private final Map<String, Instant> nextDue = new ConcurrentHashMap<>();
    /** Missed due times to make up for at the next tick (catchUp schedules only). */
    private final Map<String, Instant> catchUp = new ConcurrentHashMap<>();
    /** Due times another server started, per schedule: the newest, for status. */
    private final Map<String, Instant> ranElsewhere = new ConcurrentHashMap<>();
    private ScheduledExecutorService thread;

    public Scheduler(List<Schedule> schedules, Launcher launcher, JobStore jobs, Records records, OrchestratorEvents events, Clock clock) {
        this.schedules = List.copyOf(schedules);
        this.launcher = launcher;
        this.jobs = jobs;
        this.records = records;
        this.events = events;
        this.clock = clock;
        Instant now = clock.instant();
        List<Job> all = schedules.isEmpty() ? List.of() : jobs.all();
        for (Schedule s : this.schedules) {
            lastRun(s, all).ifPresent(last -> {
                // Due times after the newest run (and after the newest miss already recorded) up to now passed
                // while no server was running this schedule: one record for all of them.
                Instant from = newestMissedDue(s).filter(t -> t.isAfter(last.created())).orElse(last.created());
                List<Instant> passed = s.dueBetween(from, now, MISSED_LOOKBACK);
                missed(s, passed, "the server was not running" + (s.catchUp() && !passed.isEmpty() ? "; caught up at start" : ""));
                if (s.catchUp() && newestMissedWhileDown(s)) {
                    // also an outage recorded by an earlier start that had no time to catch up (stopped at once)
                    newestMissedDue(s).filter(t -> t.isAfter(last.created())).ifPresent(t -> catchUp.put(s.id(), t));
                }
            });
            s.nextAfter(now).ifPresent(t -> nextDue.put(s.id(), t));
        }
    }

    /** Ticks every second on a daemon thread until closed, failures on stderr (the server; tests call {@link #tick()}). */
    public synchronized void start() {
        start(line -> {
            System.err.println(line);
            System.err.flush();
        });
    }

    /**
     * Ticks every second on a daemon thread until closed. A failing tick is told to {@code warn} in one line when its
     * error differs from the previous tick's (a repository outage is one line, not one a second), and its end once.
     */
    public synchronized void start(java.util.function.Consumer<String> warn) {
        if (thread == null && !schedules.isEmpty()) {
            String[] lastError = {null};
            thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "summit-scheduler");
                t.setDaemon(true);
                return t;
            });
            thread.scheduleWithFixedDelay(() -> {
                try {
                    tick();
                    if (lastError[0] != null) {
                        warn.accept("summit-dr server: schedules run again (after: " + lastError[0] + ")");
                        lastError[0] = null;
                    }
                } catch (RuntimeException e) {
                    // a repository hiccup must not stop the schedules: the next tick tries again; the operator hears of it
                    String line = String.valueOf(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()).replaceAll("[\\r\\n]+", " ");
                    if (!line.equals(lastError[0])) {
                        warn.accept("summit-dr server: schedules could not be checked (retrying every second): " + line);
                        lastError[0] = line;
                    }
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Starts what is due now; returns the jobs started or joined, by schedule id. */
    public synchronized Map<String, JobRunner.Submitted> tick() {
        Instant now = clock.instant();
        Map<String, JobRunner.Submitted> fired = new LinkedHashMap<>();
        for (Schedule s : schedules) {
            Instant missedDue = catchUp.remove(s.id());
            if (missedDue != null) {
                fire(s, missedDue, fired);
            }
        }
        for (Schedule s : schedules) {
            Instant due = nextDue.get(s.id());
            if (due == null || due.isAfter(now)) {
                continue;
            }
            List<Instant> passed = new ArrayList<>();
            passed.add(due);
            passed.addAll(s.dueBetween(due, now, MISSED_LOOKBACK));
            missed(s, passed.subList(0, passed.size() - 1), "the scheduler was late past a later due time");
            Instant at = passed.get(passed.size() - 1);
            if (!fired.containsKey(s.id())) { // a catch-up run just started stands for this due time too
                fire(s, at, fired);
            }
            s.nextAfter(now).ifPresentOrElse(t -> nextDue.put(s.id(), t), () -> nextDue.remove(s.id()));
        }
        return fired;
    }

    /** Starts the run due at {@code at} unless another server already did (its run record exists). */
    private void fire(Schedule s, Instant at, Map<String, JobRunner.Submitted> fired) {
        if (!takeRun(s, at)) {
            ranElsewhere.put(s.id(), at);
            return;
        }
        try {
            JobRunner.Submitted submitted = launcher.apply(s);
            fired.put(s.id(), submitted);
            if (!submitted.created()) {
                missed(s, List.of(at), "the previous run (job " + submitted.job().id() + ") was still running; coalesced into it");
            }
        } catch (RuntimeException e) {
            missed(s, List.of(at), "could not start: " + String.valueOf(e.getMessage()).replaceAll("[\\r\\n]+", " "));
        }
        pruneRuns(s);
    }

    /**
     * Deletes the schedule's run records that no server can try to start again ({@link RunRecordRetention}); the server
     * that took a due time does it, so the records stay bounded however long the schedule runs.
     */
    private void pruneRuns(Schedule s) {
        try {
            for (String name : RunRecordRetention.expired(records.list(runsPrefix(s)), clock.instant(), RunRecordRetention.MAX_DELETES)) {
                records.delete(name);
            }
        } catch (dr.summit.repository.store.StoreException notNow) {
            // read-only or unreachable storage: the records only take space, and the next run this server takes tries again
        }
    }

    /** Writes the write-once record of the run due at {@code at}; false when another server wrote it first. */
    private boolean takeRun(Schedule s, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schedule", s.id());
        m.put("due", at.toString());
        m.put("startedBy", ServerIdentity.describe());
        m.put("at", clock.instant().toString());
        try {
            records.put(runsPrefix(s) + String.format("%012d", at.getEpochSecond()), m);
            return true;
        } catch (ObjectExistsException taken) {
            return false;
        } catch (dr.summit.repository.store.StoreException readOnly) {
            return true; // nothing can be written here, so no other server coordinates through it either: run
        }
    }

    /**
     * Records missed due times (oldest first) as one write-once record named by the newest and the count,
     * {@code NEWEST-EPOCH-SECOND.COUNT}, so the count needs no reads and a second finder writes the same name.
     */
    private void missed(Schedule s, List<Instant> dues, String reason) {
        if (dues.isEmpty()) {
            return;
        }
        Instant newest = dues.get(dues.size() - 1);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schedule", s.id());
        m.put("due", newest.toString());
        if (dues.size() > 1) {
            m.put("firstDue", dues.get(0).toString());
        }
        m.put("count", dues.size());
        m.put("reason", reason);
        try {
            records.put(missedPrefix(s) + String.format("%012d.%d", newest.getEpochSecond(), dues.size()), m);
        } catch (ObjectExistsException already) {
            return; // recorded (and notified) before, by this or another server
        }
        events.scheduleMissed(s.id(), newest, dues.size() == 1 ? reason : reason + " (" + dues.size() + " runs since " + dues.get(0) + ")");
    }

    /** How many runs the records say were missed. */
    private int missedCount(Schedule s) {
        int n = 0;
        for (String name : records.list(missedPrefix(s))) {
            n += Integer.parseInt(name.substring(name.lastIndexOf('.') + 1));
        }
        return n;
    }

    private Optional<Instant> newestMissedDue(Schedule s) {
        List<String> names = records.list(missedPrefix(s));
        if (names.isEmpty()) {
            return Optional.empty();
        }
        String last = names.get(names.size() - 1);
        return Optional.of(Instant.ofEpochSecond(Long.parseLong(last.substring(last.lastIndexOf('/') + 1, last.lastIndexOf('.')))));
    }

    /** Whether the newest miss is an outage (not a run joined into a running one, which had its run record). */
    private boolean newestMissedWhileDown(Schedule s) {
        List<String> names = records.list(missedPrefix(s));
        if (names.isEmpty()) {
            return false;
        }
        Object reason = records.get(names.get(names.size() - 1), Map.class).get("reason");
        return reason != null && reason.toString().startsWith("the server was not running");
    }

    private static String runsPrefix(Schedule s) {
        return "schedules/" + s.id() + "/runs/";
    }

    private static String missedPrefix(Schedule s) {
        return "schedules/" + s.id() + "/missed/";
    }

    private static Optional<Job> lastRun(Schedule s, List<Job> newestFirst) {
        return newestFirst.stream().filter(j -> s.requester().equals(j.requestedBy())).findFirst();
    }

    public List<Schedule> schedules() {
        return schedules;
    }

    public Optional<Schedule> verifySchedule() {
        return schedules.stream().filter(s -> s.kind().equals("verify")).findFirst();
    }

    /** Each schedule's state for {@code GET /api/v1/recovery/status}, read from the repository now. */
    public List<Map<String, Object>> status(List<Job> newestFirst) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Schedule s : schedules) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.id());
            m.put("kind", s.kind());
            if (s.source() != null) {
                m.put("source", s.source());
            }
            if (s.scenario() != null) {
                m.put("scenario", s.scenario());
            }
            if (s.kind().equals("verify")) {
                m.put("slice", s.slicePercent() + "%");
            }
            m.put("cron", s.cron());
            m.put("timezone", s.zone().getId());
            Optional<Job> last = lastRun(s, newestFirst);
            m.put("lastRun", last.map(j -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("job", j.id());
                r.put("created", j.created().toString());
                r.put("state", j.state());
                if (j.error() != null) {
                    r.put("error", j.error());
                }
                return r;
            }).orElse(null));
            m.put("lastResult", last.map(Job::state).orElse(null));
            Instant elsewhere = ranElsewhere.get(s.id());
            if (elsewhere != null) {
                m.put("ranElsewhere", elsewhere.toString()); // the newest due time another server started
            }
            m.put("catchUp", s.catchUp());
            Instant next = nextDue.get(s.id());
            m.put("nextRun", next == null ? null : next.toString());
            List<String> missed = records.list(missedPrefix(s));
            m.put("missed", missedCount(s));
            m.put("lastMissed", missed.isEmpty() ? null : records.get(missed.get(missed.size() - 1), Map.class));
            list.add(m);
        }
        return list;
    }

    /** Prometheus gauges of the schedules (rebuilt from the repository on each scrape, like status). */
    public String metricsText() {
        if (schedules.isEmpty()) {
            return "";
        }
        List<Job> all = jobs.all();
        StringBuilder b = new StringBuilder();
        b.append("# HELP summit_schedule_missed_runs Runs of a schedule that did not start on time (server down, previous run still running), as the repository records them.\n")
                .append("# TYPE summit_schedule_missed_runs gauge\n");
        for (Schedule s : schedules) {
            b.append("summit_schedule_missed_runs{schedule=\"").append(s.id()).append("\"} ").append(missedCount(s)).append('\n');
        }
        b.append("# HELP summit_schedule_last_run_succeeded Whether the newest finished run of a schedule succeeded (1) or not (0).\n")
                .append("# TYPE summit_schedule_last_run_succeeded gauge\n");
        for (Schedule s : schedules) {
            all.stream().filter(j -> s.requester().equals(j.requestedBy()) && j.finishedState()).findFirst().ifPresent(j ->
                    b.append("summit_schedule_last_run_succeeded{schedule=\"").append(s.id()).append("\"} ")
                            .append(Job.SUCCEEDED.equals(j.state()) ? 1 : 0).append('\n'));
        }
        b.append("# HELP summit_schedule_next_run_timestamp_seconds When a schedule is next due.\n")
                .append("# TYPE summit_schedule_next_run_timestamp_seconds gauge\n");
        for (Schedule s : schedules) {
            Instant next = nextDue.get(s.id());
            if (next != null) {
                b.append("summit_schedule_next_run_timestamp_seconds{schedule=\"").append(s.id()).append("\"} ").append(next.getEpochSecond()).append('\n');
            }
        }
        if (verifySchedule().isPresent()) {
            RollingVerify.coverage(all).ifPresent(c -> b.append("# HELP summit_verify_cycle_coverage_ratio Share of the packs the current rolling-verify cycle has read.\n")
                    .append("# TYPE summit_verify_cycle_coverage_ratio gauge\n")
                    .append("summit_verify_cycle_coverage_ratio ").append(c.get("coverage")).append('\n'));
        }
        return b.toString();
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.shutdownNow();
            thread = null;
        }
    }
}
