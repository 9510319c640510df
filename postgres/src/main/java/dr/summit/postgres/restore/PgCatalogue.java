package dr.summit.postgres.restore;

import dr.summit.postgres.basebackup.BaseBackup;
import dr.summit.postgres.wal.ArchiveMap;
import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.TimelineHistory;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalGap;
import dr.summit.postgres.wal.WalGaps;
import dr.summit.postgres.wal.WalRecordScanner;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recoverable picture of one cluster: its base backups, the archived WAL per timeline, and for
 * each backup the span of time recovery from it can reach — from the backup's end to the last
 * transaction in the WAL that follows it without a hole. That last time is read from the WAL
 * itself (the final segments of the chain are scanned), because it is what a
 * {@code recovery_target_time} is compared with.
 */
public final class PgCatalogue {
    /** How many segments back from the end of a chain to look for a transaction end. */
    private static final int SCAN_BACK_SEGMENTS = 8;

    private final Repository repo;
    private final String cluster;
    private final WalArchive archive;
    private final Map<String, WalRecordScanner.Scan> scans = new HashMap<>();

    public PgCatalogue(Repository repo, String cluster) {
        this.repo = repo;
        this.cluster = cluster;
        this.archive = new WalArchive(repo, cluster);
    }

    /**
     * Recovery from one backup: from its end ({@code from}) to the last archived transaction it can
     * replay ({@code to}; the backup's end when no transaction followed); {@code lastTransactionLsn}
     * null when none was found in the scanned segments.
     */
    public record BackupWindow(Snapshot backup, ArchiveMap.Reach reach, Instant from, Instant to, String lastTransactionLsn) {
    }

    /** A span of time every point of which is recoverable (overlapping backup windows merged). */
    public record Window(Instant from, Instant to) {
    }

    /**
     * WAL acknowledged without being stored ({@code --max-wal-backlog}), and the first base backup
     * that closes it (null while none does: no restore target at or after the gap can be reached).
     */
    public record Gap(WalGap gap, String closedBy, Instant closedByStopTime) {
        public boolean open() {
            return closedBy == null;
        }
    }

    public record Catalogue(List<Snapshot> backups, List<String> walFiles, List<ArchiveMap.Timeline> timelines,
                            List<BackupWindow> backupWindows, List<Window> windows, List<Gap> gaps, long segmentSize) {
        public List<Gap> openGaps() {
            return gaps.stream().filter(Gap::open).toList();
        }

        /**
         * The recorded gap a missing segment belongs to, or null: a hole the valve made is
         * explained (named by its gap), not damage.
         */
        public Gap gapCovering(String segment) {
            WalFileName name = WalFileName.parse(segment);
            long number = name.segmentNumber(dr.summit.postgres.wal.WalSegments.segmentsPerLogicalFile(segmentSize));
            for (Gap g : gaps) {
                if (g.gap().timeline() == name.timeline() && number >= Long.divideUnsigned(g.gap().from(), segmentSize)
                        && number <= Long.divideUnsigned(g.gap().to(), segmentSize)) {
                    return g;
                }
            }
            return null;
        }
    }

    public Catalogue read() {
        List<Snapshot> backups = new PgRestore(repo, cluster).backups();
        List<String> names = archive.listWithStreamed();
        long segmentSize = backups.isEmpty() ? 16L << 20 : PgRestore.segmentSize(backups.get(backups.size() - 1));
        ArchiveMap map = new ArchiveMap(names, histories(names), segmentSize);
        List<BackupWindow> windows = new ArrayList<>();
        for (Snapshot b : backups) {
            windows.add(window(map, b, segmentSize, null));
        }
        return new Catalogue(backups, names, map.timelines(), windows, merge(windows), gaps(backups), segmentSize);
    }

    /** Every recorded gap with the oldest base backup that closes it. */
    public List<Gap> gaps(List<Snapshot> backups) {
        List<Gap> out = new ArrayList<>();
        for (WalGap g : new WalGaps(repo, cluster).list()) {
            Snapshot closing = backups.stream().filter(b -> closes(b, g))
                    .min(java.util.Comparator.comparing(b -> Instant.parse(b.attribute(BaseBackup.STOP_TIME)))).orElse(null);
            out.add(new Gap(g, closing == null ? null : closing.id(),
                    closing == null ? null : Instant.parse(closing.attribute(BaseBackup.STOP_TIME))));
        }
        return out;
    }

    /** Whether recovery from {@code backup} starts after {@code gap} (so never has to replay across it). */
    public static boolean closes(Snapshot backup, WalGap gap) {
        return WalGaps.closedBy(gap, Integer.parseInt(backup.attribute(BaseBackup.TIMELINE)),
                Lsn.parse(backup.attribute(BaseBackup.START_LSN)), backup.time());
    }

    /** The first gap that recovery from {@code backup} would have to replay across to go past it, or null. */
    public WalGap gapAfter(Snapshot backup) {
        return new WalGaps(repo, cluster).list().stream().filter(g -> !closes(backup, g)).findFirst().orElse(null);
    }

    /**
     * The window of one backup when recovery follows {@code target}'s timeline (reads and scans
     * WAL as needed).
     */
    /**
     * The WAL a recovery from {@code backup} toward {@code target} can replay, without looking for
     * the last transaction in it (which reads and decodes the newest segment: a restore to the
     * latest point, or to an LSN, does not need it).
     */
    public ArchiveMap.Reach reach(Snapshot backup, RecoveryTarget target) {
        List<String> names = archive.listWithStreamed();
        long segmentSize = PgRestore.segmentSize(backup);
        Integer timeline = target.timelineFrom(Integer.parseInt(backup.attribute(BaseBackup.TIMELINE)));
        return new ArchiveMap(names, histories(names), segmentSize).reach(Integer.parseInt(backup.attribute(BaseBackup.TIMELINE)),
                Lsn.parse(backup.attribute(BaseBackup.START_LSN)), Lsn.parse(backup.attribute(BaseBackup.STOP_LSN)), timeline);
    }

    public BackupWindow window(Snapshot backup, RecoveryTarget target) {
        List<String> names = archive.listWithStreamed();
        long segmentSize = PgRestore.segmentSize(backup);
        Integer timeline = target.timelineFrom(Integer.parseInt(backup.attribute(BaseBackup.TIMELINE)));
        return window(new ArchiveMap(names, histories(names), segmentSize), backup, segmentSize, timeline);
    }

    private BackupWindow window(ArchiveMap map, Snapshot b, long segmentSize, Integer timeline) {
        ArchiveMap.Reach reach = map.reach(Integer.parseInt(b.attribute(BaseBackup.TIMELINE)),
                Lsn.parse(b.attribute(BaseBackup.START_LSN)), Lsn.parse(b.attribute(BaseBackup.STOP_LSN)), timeline);
        Instant stop = Instant.parse(b.attribute(BaseBackup.STOP_TIME));
        if (!reach.consistent()) {
            return new BackupWindow(b, reach, null, null, null);
        }
        WalRecordScanner.Scan last = lastTransaction(reach, segmentSize, Lsn.parse(b.attribute(BaseBackup.STOP_LSN)));
        Instant to = last == null || last.lastTransactionTime().isBefore(stop) ? stop : last.lastTransactionTime();
        return new BackupWindow(b, reach, stop, to, last == null ? null : Lsn.format(last.lastTransactionLsn()));
    }

    /** The scan of the newest segment of the chain with a transaction end after {@code after}. */
    private WalRecordScanner.Scan lastTransaction(ArchiveMap.Reach reach, long segmentSize, long after) {
        WalFileName end = WalFileName.parse(reach.lastSegment());
        long perFile = dr.summit.postgres.wal.WalSegments.segmentsPerLogicalFile(segmentSize);
        long number = end.segmentNumber(perFile);
        for (int back = 0; back < SCAN_BACK_SEGMENTS && number - back >= after / segmentSize; back++) {
            String name = WalFileName.segmentName(end.timeline(), number - back, perFile);
            WalRecordScanner.Scan scan = scans.computeIfAbsent(name, n -> {
                byte[] content = archive.read(n);
                return content == null ? new WalRecordScanner.Scan(0, 0, null, null) : WalRecordScanner.scan(content);
            });
            if (scan.lastTransactionTime() != null) {
                return scan.lastTransactionLsn() >= after ? scan : null;
            }
        }
        return null;
    }

    private Map<Integer, TimelineHistory> histories(List<String> names) {
        Map<Integer, TimelineHistory> out = new TreeMap<>();
        for (String name : names) {
            WalFileName parsed = WalFileName.parse(name);
            if (parsed.kind() == WalFileName.Kind.HISTORY) {
                byte[] content = archive.read(name);
                if (content != null) {
                    out.put(parsed.timeline(), TimelineHistory.parse(parsed.timeline(), new String(content, StandardCharsets.UTF_8)));
                }
            }
        }
        return out;
    }

    static List<Window> merge(List<BackupWindow> windows) {
        List<BackupWindow> sorted = new ArrayList<>(windows.stream().filter(w -> w.from() != null).toList());
        sorted.sort((a, b) -> a.from().compareTo(b.from()));
        List<Window> out = new ArrayList<>();
        for (BackupWindow w : sorted) {
            Window lastWindow = out.isEmpty() ? null : out.get(out.size() - 1);
            if (lastWindow != null && !w.from().isAfter(lastWindow.to())) {
                out.set(out.size() - 1, new Window(lastWindow.from(), w.to().isAfter(lastWindow.to()) ? w.to() : lastWindow.to()));
            } else {
                out.add(new Window(w.from(), w.to()));
            }
        }
        return out;
    }
}
