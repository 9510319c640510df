package dr.summit.repository.lease;

import com.fasterxml.jackson.databind.ObjectMapper;
import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.format.Json;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * A time-limited claim that a process is using the repository (docs/repository-format.md,
 * "Leases"): stored as plain JSON under {@code leases/ID}, renewed while the process runs,
 * deleted when it ends. Nothing ever has to be unlocked by hand: a lease whose holder died simply
 * expires. Prune reads leases to know which processes might still use packs it wants to delete.
 *
 * @param created when the holder took the lease, by the holder's clock — before it loaded the index
 * @param expires until when the holder promises to renew or stop, by the holder's clock
 * @param readsPacks false for a holder that never reads packs nor reuses blobs (the WAL agent): prune
 *                   need not wait for it; absent means true
 * @param scope      boot id and pid namespace of the holder ({@link LocalProcesses#machineScope}); absent
 *                   in leases of older versions, which are then only ever released by expiry
 * @param pidStart   the holder process's start time (ms since the epoch), so a reused pid is told apart
 * @param claim      absent for a plain lease; else what the holder works on alone (e.g. a recovery's target):
 *                   no two live leases hold the same claim ({@link LeaseHolder#claim})
 * @param claimant   with a claim: who inside the holder works on it (the orchestrator's job id), so another
 *                   process can name it or join it
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record Lease(int version, String id, String host, long pid, String command, Instant created, Instant expires,
                    Boolean readsPacks, String scope, Long pidStart,
                    String claim, String claimant) {
    public static final String PREFIX = "leases/";
    private static final ObjectMapper JSON = Json.MAPPER;

    public static String objectName(String id) {
        return PREFIX + id;
    }

    /** Whether the holder may still be running at {@code now} (our clock), allowing for {@code skew}. */
    public boolean mayBeAlive(Instant now, Duration skew) {
        return !now.isAfter(expires.plus(skew));
    }

    /**
     * Whether the holder may have loaded the index before {@code instant} (our clock): then it
     * may know of packs that prune removed from the index at that instant.
     */
    public boolean startedBefore(Instant instant, Duration skew) {
        return !created.isAfter(instant.plus(skew));
    }

    public Lease renewed(Instant newExpiry) {
        return new Lease(version, id, host, pid, command, created, newExpiry, readsPacks, scope, pidStart, claim, claimant);
    }

    /** Whether prune must wait for this holder (it may reuse blobs of packs prune wants to delete). */
    public boolean holdsPacks() {
        return readsPacks == null || readsPacks;
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Lease fromJson(byte[] json, String what) {
        try {
            Lease lease = JSON.readValue(json, Lease.class);
            if (lease == null || lease.id() == null || lease.created() == null || lease.expires() == null) {
                throw new CorruptObjectException(what + ": not a lease (missing fields)");
            }
            return lease;
        } catch (IOException e) {
            throw new CorruptObjectException(what + ": not a lease (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
