package dr.summit.monitoring;

import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.restore.PgCatalogue;
import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryStats;
import dr.summit.repository.crypto.Keyring;
import dr.summit.repository.keys.KeyManager;
import dr.summit.repository.snapshot.Snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Reads a {@link RepositoryState} from an open repository (the I/O edge of this package). */
public final class RepositoryStateReader {
    private RepositoryStateReader() {
    }

    /** Reads snapshots, blob sizes, the PostgreSQL catalogues and the key metadata of {@code repo}. */
    public static RepositoryState read(Repository repo, Instant now) {
        List<Snapshot> snapshots = repo.listSnapshots();
        List<RepositoryState.Backup> backups = new ArrayList<>();
        for (Snapshot s : snapshots) {
            Source source = Source.ofSnapshotKind(s.kind());
            if (source != null && s.time() != null) {
                backups.add(backup(source, s));
            }
        }
        backups.sort(Comparator.comparing(RepositoryState.Backup::finished));
        Map<Source, RepositoryState.Backup> last = new EnumMap<>(Source.class);
        backups.forEach(b -> last.put(b.source(), b));
        RepositoryStats stats = RepositoryStats.of(repo);
        int gapsOpen = 0;
        long gapBytes = 0;
        for (String cluster : clusters(snapshots)) {
            for (PgCatalogue.Gap g : new PgCatalogue(repo, cluster).gaps(new dr.summit.postgres.restore.PgRestore(repo, cluster).backups())) {
                if (g.open()) {
                    gapsOpen++;
                    gapBytes += g.gap().bytes();
                }
            }
        }
        return new RepositoryState(now, last, backups, stats.storedBytes(), stats.snapshots(), walLag(repo, snapshots, now), keys(repo),
                gapsOpen, gapBytes);
    }

    private static RepositoryState.Backup backup(Source source, Snapshot s) {
        Snapshot.Summary m = s.summary();
        double seconds = m == null ? 0 : m.durationMillis() / 1000.0;
        // A snapshot's time is its start; the backup finished a duration later.
        Instant finished = s.time().plusMillis(m == null ? 0 : m.durationMillis());
        if (source == Source.POSTGRES && s.attribute(BaseBackup.STOP_TIME) != null) {
            finished = Instant.parse(s.attribute(BaseBackup.STOP_TIME));
        }
        String type = switch (s.kind()) {
            case "s3" -> "bucket";
            case "postgres" -> "base";
            default -> s.kind().startsWith("neo4j") ? "full" : "files";
        };
        return new RepositoryState.Backup(source, type, s.shortId(), finished, seconds, m == null ? 0 : m.totalBytes(),
                m == null ? 0 : m.newPackedBytes(), m == null ? 0 : m.files());
    }

    /**
     * Worst lag over clusters: time since the newest transaction the archive can replay. On an idle
     * database this grows although nothing is at risk; the bytes lag needs the primary and comes from
     * the server side ({@link DrMetrics#recordWalLag}).
     */
    private static TreeSet<String> clusters(List<Snapshot> snapshots) {
        TreeSet<String> clusters = new TreeSet<>();
        snapshots.stream().map(s -> s.attribute(BaseBackup.CLUSTER)).filter(c -> c != null).forEach(clusters::add);
        return clusters;
    }

    private static Double walLag(Repository repo, List<Snapshot> snapshots, Instant now) {
        Double worst = null;
        for (String cluster : clusters(snapshots)) {
            List<PgCatalogue.Window> windows = new PgCatalogue(repo, cluster).read().windows();
            if (windows.isEmpty()) {
                continue;
            }
            Instant to = windows.get(windows.size() - 1).to();
            double lag = Math.max(0, Duration.between(to, now).toMillis() / 1000.0);
            worst = worst == null ? lag : Math.max(worst, lag);
        }
        return worst;
    }

    private static RepositoryState.Keys keys(Repository repo) {
        Keyring keyring = repo.keyring();
        KeyManager keys = repo.keys();
        Instant oldest = null;
        int slots = 0;
        if (keys != null) {
            for (KeyManager.SlotInfo info : keys.slots()) {
                slots++;
                Instant created = info.slot() == null ? null : info.slot().created();
                if (created != null && (oldest == null || created.isBefore(oldest))) {
                    oldest = created;
                }
            }
        }
        return new RepositoryState.Keys(keyring.current().created(), keyring.rotationDays(), oldest, slots, keyring.epochs().size());
    }
}
