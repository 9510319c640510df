package dr.summit.orchestrator.jobs;

import dr.summit.repository.lease.Lease;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class JobInterruptionTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final Duration SKEW = Duration.ofMinutes(5);
    private static final Job.Holder DB2 = new Job.Holder("aa", "db2", 4242, "summit-dr server");

    private static Job job(String state, Job.Holder holder) {
        return new Job("0123456789abcdef", "backup", "files:docs", null, null, state, "reading files", 0.5, 10,
                NOW.minusSeconds(3600), NOW.minusSeconds(3599), null, null, "olga", false, null, holder);
    }

    private static Lease lease(Instant expires) {
        return new Lease(1, "aa", "db2", 4242, "summit-dr server", NOW.minusSeconds(7200), expires, null, null, null,
                "backup:files:docs", "job 0123456789abcdef");
    }

    @Test
    void aRunningJobWhoseLeaseMayStillBeRenewedIsLeftRunning() {
        assertThat(JobInterruption.judge(job(Job.RUNNING, DB2), lease(NOW.plusSeconds(60)), false, NOW, SKEW)).isEmpty();
        // expired, but within the clock skew its holder's clock may have
        assertThat(JobInterruption.judge(job(Job.RUNNING, DB2), lease(NOW.minusSeconds(240)), false, NOW, SKEW)).isEmpty();
    }

    @Test
    void aRunningJobWhoseLeaseExpiredPastTheSkewIsInterruptedSinceTheExpiry() {
        Job j = JobInterruption.judge(job(Job.RUNNING, DB2), lease(NOW.minusSeconds(301)), false, NOW, SKEW).orElseThrow();
        assertThat(j.state()).isEqualTo(Job.INTERRUPTED);
        assertThat(j.finishedState()).isTrue();
        assertThat(j.finished()).isEqualTo(NOW.minusSeconds(301));
        assertThat(j.phase()).isEqualTo("reading files");
        assertThat(j.error()).startsWith("interrupted: 'summit-dr server' on db2 (pid 4242) stopped while the job was running (reading files); ")
                .contains("lease expired at " + NOW.minusSeconds(301)).doesNotContain("\n");
    }

    @Test
    void aQueuedJobWhoseLeaseIsGoneIsInterruptedWithoutASinceTime() {
        Job j = JobInterruption.judge(job(Job.QUEUED, DB2), null, false, NOW, SKEW).orElseThrow();
        assertThat(j.state()).isEqualTo(Job.INTERRUPTED);
        assertThat(j.finished()).isNull();
        assertThat(j.error()).contains("while the job was queued").contains("its claim is gone");
    }

    @Test
    void aLiveLeaseWhoseProcessIsGoneOnThisMachineIsInterruptedAtOnce() {
        Job j = JobInterruption.judge(job(Job.RUNNING, DB2), lease(NOW.plusSeconds(600)), true, NOW, SKEW).orElseThrow();
        assertThat(j.error()).contains("no longer running");
    }

    @Test
    void finishedJobsAndJobsWithoutAHolderAreNeverJudged() {
        assertThat(JobInterruption.judge(job(Job.SUCCEEDED, DB2), null, false, NOW, SKEW)).isEmpty();
        assertThat(JobInterruption.judge(job(Job.FAILED, DB2), null, true, NOW, SKEW)).isEmpty();
        assertThat(JobInterruption.judge(job(Job.RUNNING, null), null, false, NOW, SKEW)).isEmpty();
    }
}
