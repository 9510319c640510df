package dr.summit.repository.keys;

import dr.summit.repository.CorruptObjectException;
import dr.summit.repository.Repository;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.lease.Lease;
import dr.summit.repository.lease.LeaseHolder;
import dr.summit.repository.maintenance.PruneMark;
import dr.summit.repository.maintenance.Pruner;
import dr.summit.repository.pack.PackFormat;
import dr.summit.repository.store.ObjectNotFoundException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Revocation (docs/repository-format.md, "Re-encryption"): rewrites everything protected by
 * retired data-key epochs under the current one, then destroys the retired keys. Resumable and
 * crash-safe because every step is one that is safe on its own:
 * <ol>
 *   <li>packs of retired epochs are repacked by {@link Pruner} (new packs under the current key,
 *       old ones marked and deleted by the two-phase protocol, so concurrent backups are safe);</li>
 *   <li>sealed objects (snapshots, index files, WAL) are replaced in place with the same
 *       plaintext under the current key (readers see the old or the new version, both valid);</li>
 *   <li>keys are destroyed only when a scan finds nothing left under them, no prune mark is
 *       pending, and no process that might still write under them holds a lease.</li>
 * </ol>
 * Anything that stops the last step is reported; running again continues where it stopped.
 */
public final class Reencryptor {
    private final Repository repo;

    public Reencryptor(Repository repo) {
        this.repo = repo;
    }

    /** What was done, and what still stands in the way of destroying the retired keys. */
    public record Result(List<Integer> retiredEpochs, int packsRewritten, long bytesRewritten, int sealedObjectsRewritten,
                         List<Integer> destroyedEpochs, List<String> blockers, long millis) {
        public boolean complete() {
            return blockers.isEmpty();
        }
    }

    /** Re-encrypts the data of every retired epoch under the current one, then destroys their keys if nothing holds them. */
    public Result run() throws InterruptedException {
        long start = System.nanoTime();
        Keyring keyring = repo.keyring();
        List<Integer> retired = keyring.retiredEpochs();
        if (retired.isEmpty()) {
            return new Result(List.of(), 0, 0, 0, List.of(), List.of(), 0);
        }
        Set<Integer> retiredSet = new HashSet<>(retired);
        Pruner pruner = new Pruner(repo);
        Pruner.Plan plan = pruner.plan(1.0, retiredSet);
        Pruner.Result pruned = pruner.execute(plan);
        int sealed = 0;
        // A sealed log is appended to by the process that created it: rewriting it under that
        // process's feet would lose its next records. Only once no process from before the
        // rotation is alive are the logs of retired epochs closed for good (later processes
        // create logs of their own under the current key).
        List<String> oldWriters = leaseBlockers(keyring.current().created());
        boolean oldWritersAlive = !oldWriters.isEmpty();
        for (String name : EpochUsage.sealedObjectNames(repo)) {
            try {
                SealedObject.Header header = SealedObject.header(repo.store().getRange(name, 0, SealedObject.HEADER_BYTES), name);
                if (!retiredSet.contains(header.epoch())) {
                    continue;
                }
                boolean rewritten = header.kind() == SealedObject.Kind.LOG
                        ? !oldWritersAlive && repo.resealLogUnderCurrentEpoch(name)
                        : repo.resealUnderCurrentEpoch(name);
                if (rewritten) {
                    sealed++;
                }
            } catch (ObjectNotFoundException gone) {
                // deleted meanwhile (forget, prune, a WAL segment archived whole)
            }
        }
        List<String> blockers = blockers(retiredSet, oldWriters);
        List<Integer> destroyed = List.of();
        if (blockers.isEmpty()) {
            repo.keys().destroyEpochs(retired);
            destroyed = retired;
        }
        return new Result(retired, plan.repackPacks().size() + plan.deletePacks().size(), plan.liveBytesToRepack(), sealed,
                destroyed, blockers, (System.nanoTime() - start) / 1_000_000);
    }

    /** Processes other than this one that started before the rotation and may still write under a retired key. */
    private List<String> leaseBlockers(Instant rotatedAt) {
        List<String> why = new ArrayList<>();
        Instant now = Instant.now();
        String own = repo.lease() == null ? "" : repo.lease().lease().id();
        for (Lease l : LeaseHolder.list(repo.store())) {
            if (!l.id().equals(own) && l.mayBeAlive(now, repo.leaseTimes().maxClockSkew())
                    && l.startedBefore(rotatedAt, repo.leaseTimes().maxClockSkew())) {
                why.add("'" + l.command() + "' on " + l.host() + " (pid " + l.pid() + ") started before the rotation and may still write under a retired key; "
                        + "its lease expires at " + l.expires() + " unless renewed (restart a long-running agent)");
            }
        }
        return why;
    }

    /** Why the retired keys cannot be destroyed yet; empty when nothing needs them any more. */
    private List<String> blockers(Set<Integer> retired, List<String> oldWriters) {
        List<String> why = new ArrayList<>(oldWriters);
        if (!PruneMark.list(repo.store()).isEmpty()) {
            why.add("old packs wait for deletion (a prune mark is pending behind a lease)");
        }
        repo.reloadIndex();
        Set<String> indexed = new HashSet<>();
        int[] oldPacks = {0};
        repo.index().forEach(e -> {
            String pack = HexFormat.of().formatHex(e.packId());
            if (indexed.add(pack) && retired.contains(e.epoch())) {
                oldPacks[0]++;
            }
        });
        for (String name : repo.store().list("data/")) {
            byte[] packId = PackFormat.idFromName(name);
            if (packId != null && !indexed.contains(HexFormat.of().formatHex(packId))) {
                try {
                    if (retired.contains(repo.readPackTrailer(packId).epoch())) {
                        oldPacks[0]++;
                    }
                } catch (CorruptObjectException | ObjectNotFoundException damagedOrGone) {
                    // verify reports damage; a damaged pack is unreadable with any key
                }
            }
        }
        if (oldPacks[0] > 0) {
            why.add(oldPacks[0] + " packs are still encrypted under a retired key");
        }
        EpochUsage usage = EpochUsage.of(repo, true);
        int sealed = retired.stream().mapToInt(usage::sealedObjects).sum();
        if (sealed > 0) {
            why.add(sealed + " sealed objects are still under a retired key: "
                    + (oldWriters.isEmpty() ? "written meanwhile (run key rotate --reencrypt --no-new-epoch again)"
                            : "the logs of a process named above that still appends to them, or objects written meanwhile"));
        }
        return why;
    }
}
