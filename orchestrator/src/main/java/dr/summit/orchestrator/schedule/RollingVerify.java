package dr.summit.orchestrator.schedule;

import dr.summit.orchestrator.jobs.Job;
import dr.summit.orchestrator.jobs.JobContext;
import dr.summit.orchestrator.jobs.JobFailure;
import dr.summit.repository.Repository;
import dr.summit.repository.maintenance.Verifier;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rolling verify: each run reads one slice of the packs so that every pack is read once per cycle.
 * A pack's bucket is its id (already a SHA-256, so uniform and stable) taken as a number modulo the cycle
 * length, {@code ceil(100 / slice%)} runs; run at position k reads the packs of bucket k. The buckets
 * partition the packs, so the runs of one cycle together read every pack that existed when the cycle began,
 * each exactly once. The position is kept in each run's job record (result.rolling), and the next run
 * continues from the newest run that read its slice to the end (succeeded, or failed having found damage):
 * a restart, or a run that crashed, repeats that slice instead of skipping it.
 */
public final class RollingVerify {
    /** Where a run stands: cycle number (from 1), position in it, its length, and when the cycle began. */
    public record Position(long cycle, int position, int cycleLength, Instant cycleStart) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cycle", cycle);
            m.put("position", position);
            m.put("cycleLength", cycleLength);
            m.put("cycleStart", cycleStart.toString());
            return m;
        }
    }

    private RollingVerify() {
    }

    public static int cycleLength(int slicePercent) {
        return (100 + slicePercent - 1) / slicePercent;
    }

    /** The bucket of a pack (hex id): its first 64 bits, unsigned, modulo the cycle length. */
    public static int bucket(String packHex, int cycleLength) {
        return (int) Long.remainderUnsigned(Long.parseUnsignedLong(packHex.substring(0, 16), 16), cycleLength);
    }

    /** The packs of one position. */
    public static List<String> slice(List<String> packs, Position p) {
        return packs.stream().filter(pack -> bucket(pack, p.cycleLength()) == p.position()).toList();
    }

    /** The rolling state a finished job recorded, if it read its slice to the end. */
    static Optional<Map<String, Object>> completed(Job j) {
        boolean readToEnd = Job.SUCCEEDED.equals(j.state()) || Job.FAILED.equals(j.state());
        if (readToEnd && "verify".equals(j.type()) && j.result() != null && j.result().get("rolling") instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> rolling = (Map<String, Object>) m;
            return Optional.of(rolling);
        }
        return Optional.empty();
    }

    /** The next position after the newest completed run in {@code jobs} (newest first); a new cycle on a changed slice. */
    public static Position next(List<Job> jobs, int slicePercent, Instant now) {
        int length = cycleLength(slicePercent);
        for (Job j : jobs) {
            Optional<Map<String, Object>> r = completed(j);
            if (r.isPresent()) {
                Map<String, Object> m = r.get();
                long cycle = ((Number) m.get("cycle")).longValue();
                int pos = ((Number) m.get("position")).intValue();
                if (((Number) m.get("cycleLength")).intValue() != length) {
                    return new Position(cycle + 1, 0, length, now);
                }
                if (pos + 1 >= length) {
                    return new Position(cycle + 1, 0, length, now);
                }
                return new Position(cycle, pos + 1, length, Instant.parse(String.valueOf(m.get("cycleStart"))));
            }
        }
        return new Position(1, 0, length, now);
    }

    /**
     * Coverage of the newest cycle: packs read in it over the packs there were (as its newest run counted
     * them), the runs done of the cycle's length, and when it began. Empty before the first run.
     */
    public static Optional<Map<String, Object>> coverage(List<Job> jobs) {
        Map<String, Object> newest = null;
        long read = 0;
        int runs = 0;
        for (Job j : jobs) {
            Optional<Map<String, Object>> r = completed(j);
            if (r.isEmpty()) {
                continue;
            }
            Map<String, Object> m = r.get();
            if (newest == null) {
                newest = m;
            } else if (!(String.valueOf(m.get("cycle")).equals(String.valueOf(newest.get("cycle"))) && String.valueOf(m.get("cycleStart")).equals(String.valueOf(newest.get("cycleStart"))))) {
                break;
            }
            read += ((Number) m.getOrDefault("packsRead", 0)).longValue();
            runs++;
        }
        if (newest == null) {
            return Optional.empty();
        }
        long total = ((Number) newest.getOrDefault("packsTotal", 0)).longValue();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("cycle", newest.get("cycle"));
        c.put("cycleStart", newest.get("cycleStart"));
        c.put("cycleLength", newest.get("cycleLength"));
        c.put("runsDone", runs);
        c.put("packsRead", read);
        c.put("packsTotal", total);
        c.put("coverage", total == 0 ? 1.0 : Math.min(1.0, (double) read / total));
        return Optional.of(c);
    }

    /** One run: reads the slice at {@code p}; damage fails the job, which keeps what was read and found. */
    public static Map<String, Object> run(Repository repo, Position p, JobContext ctx) throws Exception {
        ctx.phase("verifying slice " + (p.position() + 1) + "/" + p.cycleLength() + " of cycle " + p.cycle());
        repo.loadIndex();
        Verifier verifier = new Verifier(repo, 2);
        Verifier.Report report = verifier.verify(packs -> slice(packs, p));
        Map<String, Object> rolling = p.toMap();
        rolling.put("packsRead", report.packsRead());
        rolling.put("packsTotal", report.packsIndexed());
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rolling", rolling);
        result.put("bytesRead", report.bytesRead());
        result.put("errors", report.errors().size());
        result.put("damagedPacks", report.damagedPacks().keySet());
        if (!report.ok()) {
            throw new JobFailure("verify found " + report.errors().size() + " problem(s): " + report.errors().get(0), result);
        }
        return result;
    }
}
