package dr.summit.postgres.restore;

import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalSegments;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalPieces;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Retention for a cluster: which base backups to keep (the newest N, or enough to recover to any
 * point of a window), and the WAL no kept backup can need — every segment before the oldest kept
 * backup's start segment, and streamed pieces of segments archived whole. Timeline history files are always kept. Pure planning plus deletes; the
 * data of expired backups is freed by the next prune.
 */
public final class PgExpire {
    private final Repository repo;
    private final String cluster;

    public PgExpire(Repository repo, String cluster) {
        this.repo = repo;
        this.cluster = cluster;
    }

    public record Plan(List<Snapshot> keep, List<Snapshot> expire, List<String> walToDelete) {
    }

    /**
     * @param keepFull      keep the newest N backups (0 = not used)
     * @param window        keep every backup ending inside the window, plus the newest one before
     *                      it, so any point of the window stays recoverable (null = not used)
     */
    public Plan plan(int keepFull, Duration window, Instant now) {
        if (keepFull <= 0 && window == null) {
            throw new IllegalArgumentException("give --keep-full N or --recovery-window DURATION; refusing to expire everything");
        }
        // an unreadable snapshot may be the backup a window needs
        List<Snapshot> backups = new PgRestore(repo, cluster).backupsAmong(repo.requireReadableSnapshots("expire base backups"));
        int firstKept = backups.size();
        if (keepFull > 0) {
            firstKept = Math.min(firstKept, Math.max(0, backups.size() - keepFull));
        }
        if (window != null) {
            Instant start = now.minus(window);
            int i = 0;
            while (i < backups.size() && Instant.parse(backups.get(i).attribute(BaseBackup.STOP_TIME)).isBefore(start)) {
                i++;
            }
            firstKept = Math.min(firstKept, Math.max(0, i - 1));
        }
        List<Snapshot> expire = new ArrayList<>(backups.subList(0, firstKept));
        List<Snapshot> keep = new ArrayList<>(backups.subList(firstKept, backups.size()));
        List<String> wal = new ArrayList<>();
        if (!keep.isEmpty()) {
            Snapshot oldest = keep.get(0);
            long segmentSize = PgRestore.segmentSize(oldest);
            long perFile = WalSegments.segmentsPerLogicalFile(segmentSize);
            long startSegment = WalSegments.segmentOf(oldest.attribute(BaseBackup.START_LSN), segmentSize);
            for (String name : new WalArchive(repo, cluster).listWithStreamed()) {
                WalFileName parsed = WalFileName.parse(name);
                boolean segmentLike = parsed.kind() != WalFileName.Kind.HISTORY;
                if (segmentLike && parsed.segmentNumber(perFile) < startSegment) {
                    wal.add(name);
                }
            }
        }
        return new Plan(keep, expire, wal);
    }

    public void execute(Plan plan) {
        // Backups first: a crash after this step leaves only WAL that nothing needs.
        for (Snapshot s : plan.expire()) {
            repo.deleteSnapshot(s.id());
        }
        WalArchive archive = new WalArchive(repo, cluster);
        archive.delete(plan.walToDelete());
        // Streamed pieces of a deleted segment, or of one archived whole, are garbage
        // (docs/repository-format.md): one listing of the pieces finds them.
        java.util.Set<String> garbage = new java.util.HashSet<>(plan.walToDelete());
        garbage.addAll(archive.list());
        for (WalPieces.Stored streamed : new WalPieces(repo, cluster).objects()) {
            if (garbage.contains(streamed.segment())) {
                repo.store().delete(streamed.object());
            }
        }
        // A WAL gap every kept backup starts after concerns no restore any more.
        if (!plan.keep().isEmpty()) {
            dr.summit.postgres.wal.WalGaps gaps = new dr.summit.postgres.wal.WalGaps(repo, cluster);
            for (dr.summit.postgres.wal.WalGap gap : gaps.list()) {
                if (plan.keep().stream().allMatch(b -> PgCatalogue.closes(b, gap))) {
                    gaps.delete(gap);
                }
            }
        }
    }
}
