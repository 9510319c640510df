package dr.summit.postgres.basebackup;

import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.WalArchive;
import dr.summit.postgres.wal.WalBlockScanner;
import dr.summit.postgres.wal.WalFileName;
import dr.summit.postgres.wal.WalSegments;
import dr.summit.repository.Repository;
import dr.summit.repository.snapshot.Snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Decides whether a base backup can be a WAL-derived incremental of its parent, and if so builds
 * the change map from the WAL between the parent's start and this backup's start — read from the
 * server's pg_wal where it still is (no decryption), else from this repository's archive.
 *
 * <p>It is off (every changed file read whole) without a parent of the same system and timeline,
 * with a server older than PostgreSQL 15 (block headers laid out otherwise), with block or
 * segment sizes that do not divide into 256 KiB chunks, with full_page_writes off, and when the
 * WAL since the parent is larger than {@code maxWalRatio} × the database, or touches half of its
 * chunks (the walk stops there): reading that much WAL would cost more than reading the files it
 * could spare.
 */
public final class WalDeltaPlanner {
    /** What was decided: a delta to use, or why not. */
    public record Plan(WalDelta delta, String off, long walBytes, long records, long blockReferences) {
    }

    /** Settings of the server this backup reads, as pg_settings reports them. */
    public record Server(int versionNum, int blockSize, long relationSegmentBytes, boolean fullPageWrites, long databaseBytes) {
    }

    private final Repository repo;
    private final String cluster;
    private final double maxWalRatio;

    public WalDeltaPlanner(Repository repo, String cluster, double maxWalRatio) {
        this.repo = repo;
        this.cluster = cluster;
        this.maxWalRatio = maxWalRatio;
    }

    public Plan plan(Snapshot parent, Map<String, String> attributes, Server server, Path pgdata, Map<Integer, Path> tablespaces) {
        String off = precondition(parent, attributes, server);
        if (off != null) {
            return new Plan(null, off, 0, 0, 0);
        }
        long from = Lsn.parse(parent.attribute(BaseBackup.START_LSN));
        long to = Lsn.parse(attributes.get(BaseBackup.START_LSN));
        long walBytes = to - from;
        if (server.databaseBytes() > 0 && walBytes > maxWalRatio * server.databaseBytes()) {
            return new Plan(null, "the WAL since the parent backup (" + walBytes / 1_000_000 + " MB) is more than "
                    + maxWalRatio + " × the database (" + server.databaseBytes() / 1_000_000 + " MB): reading the files is cheaper",
                    walBytes, 0, 0);
        }
        int timeline = Integer.parseInt(attributes.get(BaseBackup.TIMELINE));
        long segmentSize = Long.parseLong(attributes.get(BaseBackup.WAL_SEGMENT_SIZE));
        long perFile = WalSegments.segmentsPerLogicalFile(segmentSize);
        WalArchive archive = new WalArchive(repo, cluster);
        Path pgWal = pgdata.resolve("pg_wal");
        WalBlockScanner.SegmentSource source = number -> {
            String name = WalFileName.segmentName(timeline, number, perFile);
            byte[] local = readLocal(pgWal.resolve(name), segmentSize);
            // A file in pg_wal under this name that does not start with its own page address is a
            // recycled one not yet rewritten: take the archived copy.
            if (local != null && startsAt(local, number * segmentSize)) {
                return local;
            }
            return archive.read(name);
        };
        int blocksPerChunk = DataDirectoryLayout.RELATION_CHUNK / server.blockSize();
        // Half of the database's chunks changed: give up. The map would spare at most the other half
        // of the reading, and walking on to find out costs about as much (pgbench at scale 30: 70 MB
        // of WAL walked before 90 % of the chunks had changed, 0.3–0.5 s).
        long enough = server.databaseBytes() > 0 ? Math.max(1, server.databaseBytes() / DataDirectoryLayout.RELATION_CHUNK / 2)
                : Long.MAX_VALUE;
        WalChangeMap map = new WalChangeMap(blocksPerChunk, enough);
        WalBlockScanner.scan(source, segmentSize, from, to, map);
        if (map.distrust() != null) {
            return new Plan(null, map.distrust(), walBytes, map.records(), map.blockReferences());
        }
        long chunksPerSegment = server.relationSegmentBytes() / DataDirectoryLayout.RELATION_CHUNK;
        return new Plan(new WalDelta(map, pgdata, tablespaces, chunksPerSegment), null, walBytes, map.records(), map.blockReferences());
    }

    private static String precondition(Snapshot parent, Map<String, String> attributes, Server server) {
        if (parent == null) {
            return "no parent backup";
        }
        if (parent.attribute(BaseBackup.START_LSN) == null || !attributes.get(BaseBackup.SYSTEM_ID).equals(parent.attribute(BaseBackup.SYSTEM_ID))) {
            return "the parent backup is of another database system";
        }
        if (!attributes.get(BaseBackup.TIMELINE).equals(parent.attribute(BaseBackup.TIMELINE))) {
            return "the timeline changed since the parent backup (" + parent.attribute(BaseBackup.TIMELINE) + " → "
                    + attributes.get(BaseBackup.TIMELINE) + ")";
        }
        if (!attributes.get(BaseBackup.WAL_SEGMENT_SIZE).equals(parent.attribute(BaseBackup.WAL_SEGMENT_SIZE))) {
            return "the WAL segment size changed since the parent backup";
        }
        if (Long.compareUnsigned(Lsn.parse(parent.attribute(BaseBackup.START_LSN)), Lsn.parse(attributes.get(BaseBackup.START_LSN))) > 0) {
            return "the parent backup starts after this one";
        }
        if (server.versionNum() < 150000) {
            return "PostgreSQL " + server.versionNum() / 10000 + " lays out WAL block headers differently (15 or later needed)";
        }
        if (server.blockSize() <= 0 || DataDirectoryLayout.RELATION_CHUNK % server.blockSize() != 0
                || server.relationSegmentBytes() % DataDirectoryLayout.RELATION_CHUNK != 0) {
            return "block size " + server.blockSize() + " or segment size " + server.relationSegmentBytes() + " does not divide into 256 KiB chunks";
        }
        if (!server.fullPageWrites()) {
            return "full_page_writes is off (a torn page would not be repaired by replay)";
        }
        return null;
    }

    private static byte[] readLocal(Path file, long segmentSize) {
        try {
            if (Files.size(file) != segmentSize) {
                return null;
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean startsAt(byte[] segment, long address) {
        return segment.length >= 16 && java.nio.ByteBuffer.wrap(segment).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(8) == address;
    }
}
