package dr.summit.orchestrator;

import dr.summit.orchestrator.audit.AuditEntry;
import dr.summit.orchestrator.audit.AuditLog;
import dr.summit.orchestrator.events.OrchestratorEvents;
import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobConflict;
import dr.summit.orchestrator.jobs.JobRunner;
import dr.summit.orchestrator.jobs.JobStore;
import dr.summit.orchestrator.records.Records;
import dr.summit.repository.Repository;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.LocalDirectoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Jobs and the audit log over a real repository (their state lives only there). */
class JobsAndAuditTest {
    @TempDir
    Path dir;

    private Repository repo() {
        Repository.init(new LocalDirectoryStore(dir.resolve("repo")), LiveOrchestrator.PASSWORD, LiveOrchestrator.FAST).close();
        return Repository.open(new LocalDirectoryStore(dir.resolve("repo")), LiveOrchestrator.PASSWORD);
    }

    @Test
    void listingJobsAgainReadsOnlyTheRecordsOfJobsThatMayStillChange() throws Exception {
        try (Repository repo = repo()) {
            JobStore store = new JobStore(new Records(repo));
            java.time.Instant t = java.time.Instant.parse("2026-03-01T02:00:00Z");
            for (int i = 0; i < 5; i++) {
                store.save(new Job(String.format("%016x", i + 1), "backup", "files:docs", null, null, Job.SUCCEEDED, "done", 1, 0,
                        t.plusSeconds(i), t.plusSeconds(i), t.plusSeconds(i + 1), null, "schedule:nightly", false, Map.of()));
            }
            Job running = new Job("00000000000000ff", "drill", null, "backup-validation", null, Job.RUNNING, "restoring", 0.5, 0,
                    t.plusSeconds(60), t.plusSeconds(60), null, null, "olga", false, null);
            store.save(running);
            // A second reader (a restarted server) sees the same six; the first listing reads each job's newest record.
            JobStore reader = new JobStore(new Records(repo));
            long before = repo.store().stats().snapshot().gets();
            java.util.List<Job> listed = reader.all();
            assertThat(listed).hasSize(6);
            assertThat(listed.get(0).id()).as("newest first").isEqualTo("00000000000000ff");
            assertThat(repo.store().stats().snapshot().gets() - before).isEqualTo(6);

            // Listed again (the next scrape): the finished five are not read again, the running one is.
            store.save(new Job(running.id(), "drill", null, "backup-validation", null, Job.SUCCEEDED, "done", 1, 0, running.created(),
                    running.started(), t.plusSeconds(90), null, "olga", false, Map.of("passed", true)));
            before = repo.store().stats().snapshot().gets();
            java.util.List<Job> again = reader.all();
            assertThat(repo.store().stats().snapshot().gets() - before).isEqualTo(1);
            assertThat(again.get(0).state()).as("the newer state another server wrote is seen").isEqualTo(Job.SUCCEEDED);
            before = repo.store().stats().snapshot().gets();
            assertThat(reader.all()).hasSize(6);
            assertThat(repo.store().stats().snapshot().gets() - before).isZero();
        }
    }

    @Test
    void aSecondRecoveryOfABusyTargetIsRefusedADrillCoalescesAndCancelStopsCleanly() throws Exception {
        try (Repository repo = repo();
             JobRunner jobs = new JobRunner(new JobStore(new Records(repo)), OrchestratorEvents.NONE, Clock.systemUTC(), 2)) {
            CountDownLatch started = new CountDownLatch(1);
            JobRunner.Work blocking = ctx -> {
                started.countDown();
                while (true) {
                    ctx.checkCancelled();
                    Thread.sleep(20);
                }
            };
            JobRunner.Spec recover = new JobRunner.Spec("recovery", "files", null, "/t", false, "alice", "recover:/t", false, null);
            Job first = jobs.submit(recover, blocking).job();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> jobs.submit(recover, ctx -> Map.of())).isInstanceOf(JobConflict.class)
                    .hasMessageContaining("recover:/t is being recovered by job " + first.id());

            JobRunner.Spec drill = new JobRunner.Spec("drill", null, "backup-validation", null, false, "olga", "drill:backup-validation", true, null);
            CountDownLatch drillStarted = new CountDownLatch(1);
            JobRunner.Submitted d1 = jobs.submit(drill, ctx -> {
                drillStarted.countDown();
                Thread.sleep(60_000);
                return Map.of();
            });
            JobRunner.Submitted d2 = jobs.submit(drill, ctx -> Map.of());
            assertThat(d2.created()).isFalse();
            assertThat(d2.job().id()).isEqualTo(d1.job().id());

            assertThat(drillStarted.await(10, TimeUnit.SECONDS)).isTrue();
            jobs.cancel(first.id());
            jobs.cancel(d1.job().id());
            assertThat(jobs.await(first.id(), Duration.ofSeconds(10)).state()).isEqualTo(Job.CANCELLED);
            assertThat(jobs.await(d1.job().id(), Duration.ofSeconds(10)).state()).isEqualTo(Job.CANCELLED);
            // the target is free again
            Job next = jobs.submit(recover, ctx -> Map.of("ok", true)).job();
            assertThat(jobs.await(next.id(), Duration.ofSeconds(10)).state()).isEqualTo(Job.SUCCEEDED);
        }
    }

    @Test
    void auditVerifyDetectsAnEditedARemovedAndATruncatedEntry() throws Exception {
        try (Repository repo = repo()) {
            Records records = new Records(repo);
            AuditLog log = new AuditLog(records, Clock.systemUTC());
            for (int i = 0; i < 5; i++) {
                log.append("alice", "admin", "recovery.files", "/api/v1/recovery/files", "127.0.0.1", "202 /api/v1/jobs/" + i);
            }
            AuditLog.Verification ok = log.verify(null);
            assertThat(ok.intact()).isTrue();
            assertThat(ok.entries()).isEqualTo(5);
            String head = ok.head();

            // an edit made with the key (so the seal is valid): the chain catches it
            AuditEntry third = records.get("audit/000000000003", AuditEntry.class);
            AuditEntry forged = new AuditEntry(third.seq(), third.time(), "mallory", third.role(), third.action(), third.target(),
                    third.remote(), third.result(), third.prev(), third.hash());
            repo.store().delete(Records.PREFIX + "audit/000000000003");
            records.put("audit/000000000003", forged);
            assertThat(new AuditLog(records, Clock.systemUTC()).verify(null).problem()).isEqualTo("entry 3 was altered (hash mismatch)");
            repo.store().delete(Records.PREFIX + "audit/000000000003");
            records.put("audit/000000000003", third);
            assertThat(new AuditLog(records, Clock.systemUTC()).verify(head).intact()).isTrue();

            // a removed entry
            byte[] second = repo.store().get(Records.PREFIX + "audit/000000000002");
            repo.store().delete(Records.PREFIX + "audit/000000000002");
            assertThat(new AuditLog(records, Clock.systemUTC()).verify(null).problem()).startsWith("entry 2 is missing");
            repo.store().put(Records.PREFIX + "audit/000000000002", second);

            // the newest removed: caught against the head kept earlier
            repo.store().delete(Records.PREFIX + "audit/000000000005");
            AuditLog.Verification truncated = new AuditLog(records, Clock.systemUTC()).verify(head);
            assertThat(truncated.problem()).contains("the head " + head + " kept earlier is not in the log");
            assertThat(repo.getSealed(Records.PREFIX + "audit/000000000001", SealedObject.Kind.RECORD)).isNotEmpty();
        }
    }
}
