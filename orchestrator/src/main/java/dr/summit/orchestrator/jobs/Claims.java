package dr.summit.orchestrator.jobs;

import dr.summit.repository.Repository;
import dr.summit.repository.lease.ClaimTaken;
import dr.summit.repository.lease.Lease;
import dr.summit.repository.lease.LeaseHolder;
import dr.summit.repository.store.StoreException;

/**
 * Exclusion of jobs across servers sharing one repository: a job with a conflict key holds a claim on it
 * (a lease in the repository, docs/repository-format.md "Claims") from before it is recorded until it
 * ended. A server that died holds nothing once its lease expired.
 */
public interface Claims {
    /** A claim held; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();

        /** The lease that holds the claim; null where claims are not leases (one process, read-only storage). */
        default Lease lease() {
            return null;
        }
    }

    /**
     * Claims {@code key} for job {@code jobId}.
     *
     * @throws ClaimTaken naming the holder (its claimant is "job ID" when another server's job holds it)
     */
    Held claim(String key, String jobId);

    /** Within one process only (tests of the job runner alone). */
    Claims LOCAL_ONLY = (key, jobId) -> () -> { };

    /** The command a server's claims name as their holder. */
    String SERVER = "summit-dr server";

    /** Claims as leases in {@code repo}, with its lease times, held by the server. */
    static Claims in(Repository repo) {
        return in(repo, SERVER);
    }

    /**
     * Claims as leases in {@code repo} naming {@code command} as their holder ("summit-dr drill run" from the CLI), so the
     * one refused (a 409, {@code lease list}) is told which program to look for on the holder's host.
     */
    static Claims in(Repository repo, String command) {
        return (key, jobId) -> {
            try {
                LeaseHolder held = LeaseHolder.claim(repo.store(), repo.leaseTimes(), command, key, "job " + jobId);
                return new Held() {
                    @Override
                    public void close() {
                        held.close();
                    }

                    @Override
                    public Lease lease() {
                        return held.lease();
                    }
                };
            } catch (StoreException readOnly) {
                // A drill needs only read access: where nothing can be written, no other server can coordinate
                // through this repository either, and the job runs with this server's own exclusion.
                return () -> { };
            }
        };
    }

    /** The job id a refused claim names, or null when its holder is not a job of a server. */
    static String jobOf(ClaimTaken taken) {
        String claimant = taken.holder() == null ? null : taken.holder().claimant();
        return claimant != null && claimant.startsWith("job ") ? claimant.substring(4) : null;
    }
}
