package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.format.Json;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gap records of one cluster (docs/repository-format.md, "WAL gaps"): one sealed JSON object
 * {@code pg/CLUSTER/wal-gaps/TTTTTTTT-FROM-TO} per gap as the valve recorded it, written once. A gap
 * that grew while the repository was away is written again with its later end; readers merge the
 * records of one timeline and start into the widest.
 */
public final class WalGaps {
    private final Repository repo;
    private final String cluster;

    public WalGaps(Repository repo, String cluster) {
        this.repo = repo;
        this.cluster = cluster;
    }

    public static String prefix(String cluster) {
        return "pg/" + cluster + "/wal-gaps/";
    }

    static String objectName(String cluster, WalGap gap) {
        return prefix(cluster) + String.format("%08X-%016X-%016X", gap.timeline(), gap.from(), gap.to());
    }

    /** Stores {@code gap}; storing the same record twice is success (a journal flushed again after a crash). */
    public void record(WalGap gap) {
        try {
            repo.putSealed(objectName(cluster, gap), SealedObject.Kind.RECORD, Json.MAPPER.writeValueAsBytes(gap));
        } catch (ObjectExistsException again) {
            // written before the journal could be cleared
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every gap, merged per timeline and start, in WAL order. */
    public List<WalGap> list() {
        Map<String, WalGap> widest = new LinkedHashMap<>();
        for (String object : repo.store().list(prefix(cluster))) {
            WalGap gap;
            try {
                gap = Json.MAPPER.readValue(repo.getSealed(object, SealedObject.Kind.RECORD), WalGap.class);
            } catch (ObjectNotFoundException gone) {
                continue;   // expired between list and get
            } catch (IOException e) {
                throw new dr.summit.repository.RepositoryException("gap record " + object + " in " + repo.store().location()
                        + " is not readable: " + e.getMessage());
            }
            widest.merge(gap.timeline() + "/" + gap.fromLsn(), gap, (a, b) -> Long.compareUnsigned(a.to(), b.to()) >= 0
                    ? a.extendedTo(a.to(), later(a, b), b.segments(), a.reason()) : b.extendedTo(b.to(), later(a, b), a.segments(), b.reason()));
        }
        List<WalGap> out = new ArrayList<>(widest.values());
        out.sort(Comparator.comparingInt(WalGap::timeline).thenComparing(WalGap::from, Long::compareUnsigned));
        return out;
    }

    private static java.time.Instant later(WalGap a, WalGap b) {
        return a.ended().isAfter(b.ended()) ? a.ended() : b.ended();
    }

    /** Deletes the records of {@code gap} (expire: once no kept backup precedes it). */
    public void delete(WalGap gap) {
        String key = String.format("%08X-%016X-", gap.timeline(), gap.from());
        for (String object : repo.store().list(prefix(cluster))) {
            if (object.substring(prefix(cluster).length()).startsWith(key)) {
                repo.store().delete(object);
            }
        }
    }

    /**
     * Whether a base backup closes {@code gap}: it starts at or after the gap's end on the gap's
     * timeline, or on a later timeline and after the gap ended (a promoted server's backup).
     */
    public static boolean closedBy(WalGap gap, int backupTimeline, long backupStartLsn, java.time.Instant backupStart) {
        if (backupTimeline == gap.timeline()) {
            return Long.compareUnsigned(backupStartLsn, gap.to()) >= 0;
        }
        return backupTimeline > gap.timeline() && backupStart != null && backupStart.isAfter(gap.ended());
    }
}
