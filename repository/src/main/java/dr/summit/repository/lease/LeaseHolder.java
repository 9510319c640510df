package dr.summit.repository.lease;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.ObjectStore;
import dr.summit.repository.store.StoreException;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Takes a lease, renews it in the background, and gives it back on {@link #close}. A holder whose
 * renewals failed (store unreachable, process stopped for longer than the lease) learns it from
 * {@link #checkValid} before it commits anything that depends on what it read.
 */
public final class LeaseHolder implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectStore store;
    private final LeaseTimes times;
    private final ScheduledExecutorService renewer;
    private volatile Lease lease;
    private volatile String renewalError;

    private LeaseHolder(ObjectStore store, LeaseTimes times, Lease lease) {
        this.store = store;
        this.times = times;
        this.lease = lease;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "summit-lease-renewal");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, times.renewEvery().toMillis());
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Takes a lease for {@code command}; it is in the store when this returns. */
    public static LeaseHolder acquire(ObjectStore store, LeaseTimes times, String command) {
        return acquire(store, times, command, true);
    }

    /** Takes a lease; {@code readsPacks} false for a holder that only writes standalone objects (the WAL agent). */
    public static LeaseHolder acquire(ObjectStore store, LeaseTimes times, String command, boolean readsPacks) {
        return acquire(store, times, command, readsPacks, null, null);
    }

    private static LeaseHolder acquire(ObjectStore store, LeaseTimes times, String command, boolean readsPacks, String claim, String claimant) {
        byte[] idBytes = new byte[16];
        RANDOM.nextBytes(idBytes);
        Instant now = Instant.now();
        long pid = ProcessHandle.current().pid();
        Lease lease = new Lease(1, HexFormat.of().formatHex(idBytes), hostName(), pid, command,
                now, now.plus(times.ttl()), readsPacks ? null : Boolean.FALSE, LocalProcesses.machineScope(), LocalProcesses.startMillis(pid),
                claim, claimant);
        store.put(Lease.objectName(lease.id()), lease.toJson());
        return new LeaseHolder(store, times, lease);
    }

    public Lease lease() {
        return lease;
    }

    /** How often a claim is tried again after two claimants wrote at the same moment and both stood back. */
    private static final int CLAIM_ATTEMPTS = 5;

    /**
     * Takes a lease that no other live lease shares {@code claim} with: the exclusion two servers on one
     * repository need (one recovery per target, one run of a schedule). The store has no compare-and-swap
     * that also expires, so a claimant writes its lease first and then looks: seeing another live lease
     * with the claim, it deletes its own and stands back. Of two that write at the same moment at least one
     * sees the other (writes and listings are linearizable: local directories, S3 since 2020), so two never
     * both hold it; when both stood back, each tries again after a random pause. A holder that crashed
     * holds nothing once its lease expired (or at once, on its own machine, when its process is gone).
     *
     * @param claimant who works on the claim (a job id), recorded for the one refused
     * @throws ClaimTaken naming the live holder
     */
    public static LeaseHolder claim(ObjectStore store, LeaseTimes times, String command, String claim, String claimant) {
        Lease other = null;
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            other = liveHolder(store, times, claim, null);
            if (other != null) {
                throw new ClaimTaken(claim, other);
            }
            LeaseHolder mine = acquire(store, times, command, true, claim, claimant);
            other = liveHolder(store, times, claim, mine.lease().id());
            if (other == null) {
                return mine;
            }
            mine.close();
            try {
                Thread.sleep(20 + RANDOM.nextInt(200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new ClaimTaken(claim, other);
    }

    /** The oldest live lease holding {@code claim} other than {@code ownId}; null when none. */
    public static Lease liveHolder(ObjectStore store, LeaseTimes times, String claim, String ownId) {
        Instant now = Instant.now();
        String scope = LocalProcesses.machineScope();
        Lease oldest = null;
        for (Lease l : list(store)) {
            if (!claim.equals(l.claim()) || l.id().equals(ownId) || !l.mayBeAlive(now, times.maxClockSkew())) {
                continue;
            }
            if (LocalProcesses.holderIsGone(l, scope)) {
                store.delete(Lease.objectName(l.id())); // its process died on this machine: it holds nothing
                continue;
            }
            if (oldest == null || l.created().isBefore(oldest.created())) {
                oldest = l;
            }
        }
        return oldest;
    }

    private void renew() {
        try {
            Lease next = lease.renewed(Instant.now().plus(times.ttl()));
            store.replace(Lease.objectName(next.id()), next.toJson());
            lease = next;
            renewalError = null;
        } catch (RuntimeException e) {
            renewalError = e.getMessage();
        }
    }

    /**
     * Fails when the lease may have lapsed: another process may then have deleted packs this one
     * still counts on, so what it was about to commit must not be committed. A safety margin of a
     * third of the lease covers the time between this check and the commit.
     */
    public void checkValid(String what) {
        Instant deadline = lease.expires().minus(times.ttl().dividedBy(3));
        if (Instant.now().isAfter(deadline)) {
            throw new RepositoryException("lease " + lease.id() + " lapsed at " + lease.expires()
                    + (renewalError == null ? " (the process was stopped or too slow to renew it)" : " (renewal failed: " + renewalError + ")")
                    + "; " + what + " was not committed because a concurrent prune may have removed data it relies on; run it again");
        }
    }

    /** Every lease in the store; unreadable ones are returned as null-free "unknown" leases that never expire soon. */
    public static List<Lease> list(ObjectStore store) {
        List<Lease> leases = new ArrayList<>();
        for (String name : store.list(Lease.PREFIX)) {
            try {
                leases.add(Lease.fromJson(store.get(name), name));
            } catch (ObjectNotFoundException released) {
                // ended between list and get
            } catch (CorruptObjectException damaged) {
                // A damaged lease blocks nothing forever: it counts as held since its file's listing,
                // for one lease period, by treating it as created now.
                Instant now = Instant.now();
                leases.add(new Lease(1, name.substring(Lease.PREFIX.length()), "?", -1, "damaged lease", now,
                        now.plus(Duration.ofMinutes(15)), null, null, null, null, null));
            }
        }
        return leases;
    }

    /** Deletes leases whose holders are certainly gone; returns how many. */
    public static int removeExpired(ObjectStore store, LeaseTimes times, Instant now) {
        int removed = 0;
        for (Lease l : list(store)) {
            if (!l.mayBeAlive(now, times.maxClockSkew()) && !"damaged lease".equals(l.command())) {
                store.delete(Lease.objectName(l.id()));
                removed++;
            }
        }
        return removed;
    }

    /**
     * Deletes leases whose holder ran on this machine (same boot, same pid namespace) and is no
     * longer running — killed, crashed — so the next command need not wait for them to expire.
     * Returns one notice per lease removed. Leases of other machines are left to expire.
     */
    public static List<String> removeStaleLocal(ObjectStore store) {
        String scope = LocalProcesses.machineScope();
        List<String> notices = new ArrayList<>();
        if (scope == null) {
            return notices;
        }
        for (Lease l : list(store)) {
            if (LocalProcesses.holderIsGone(l, scope)) {
                try {
                    store.delete(Lease.objectName(l.id()));
                    notices.add("released the lease of '" + l.command() + "' (pid " + l.pid() + " on " + l.host() + ", since " + l.created()
                            + "): that process is no longer running");
                } catch (ObjectNotFoundException alreadyGone) {
                    // another command released it first
                }
            }
        }
        return notices;
    }

    @Override
    public void close() {
        renewer.shutdownNow();
        try {
            store.delete(Lease.objectName(lease.id()));
        } catch (StoreException e) {
            // It expires on its own.
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }
}
