package dr.summit.postgres.basebackup;

import dr.summit.postgres.wal.Lsn;
import dr.summit.postgres.wal.WalBlockScanner;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The relation chunks that the WAL between two backups changes, built from the block references
 * of its records ({@link WalBlockScanner}). A chunk is {@code blocksPerChunk} blocks of a
 * relation's main fork; a chunk with no block reference in that WAL was not written since the
 * earlier backup's start, so the earlier backup's copy of it is still good.
 *
 * <p>What the block references do not cover makes the map distrust a relation, a database or
 * itself as a whole (the caller then reads files): a relation created or truncated (smgr
 * records: its file was written or cut outside block references), a database created, copied or
 * dropped (dbase records: whole directories copied), tablespace records, a change of wal_level or
 * other WAL-relevant settings (parameter change: with wal_level minimal, new relations skip WAL),
 * full_page_writes switched, a server restart or the end of a recovery (unlogged relations are
 * reset and timelines may change), and a WAL that could not be read to its end.
 */
public final class WalChangeMap implements WalBlockScanner.Visitor {
    private static final int XLOG_CHECKPOINT_SHUTDOWN = 0x00;
    private static final int XLOG_PARAMETER_CHANGE = 0x60;
    private static final int XLOG_FPW_CHANGE = 0x80;
    private static final int XLOG_END_OF_RECOVERY = 0x90;
    private static final int XLOG_OVERWRITE_CONTRECORD = 0xD0;
    private static final int XLOG_SMGR_CREATE = 0x10;
    private static final int XLOG_SMGR_TRUNCATE = 0x20;
    private static final int MAIN_FORK = 0;

    /** A relation by its file locator: tablespace, database, relation file number. */
    public record Relation(int spcOid, int dbOid, int relNumber) {
    }

    private final int blocksPerChunk;
    private final long enoughChunks;
    private long distinctChunks;
    private final Map<Relation, BitSet> changed = new HashMap<>();
    private final Set<Relation> distrustedRelations = new HashSet<>();
    private final Set<Integer> distrustedDatabases = new HashSet<>();
    private String distrust;
    private long records;
    private long blockReferences;

    public WalChangeMap(int blocksPerChunk) {
        this(blocksPerChunk, Long.MAX_VALUE);
    }

    /**
     * A map that gives up (distrusts itself) once {@code enoughChunks} distinct chunks changed: when
     * the WAL touches most chunks of the database, reading the files costs little more than the
     * map would save, and the rest of the WAL need not be read.
     */
    public WalChangeMap(int blocksPerChunk, long enoughChunks) {
        this.blocksPerChunk = blocksPerChunk;
        this.enoughChunks = enoughChunks;
    }

    @Override
    public void block(long lsn, int spcOid, int dbOid, int relNumber, int fork, long block) {
        blockReferences++;
        if (fork == MAIN_FORK) {
            BitSet bits = changed.computeIfAbsent(new Relation(spcOid, dbOid, relNumber), r -> new BitSet());
            int chunk = (int) (block / blocksPerChunk);
            if (!bits.get(chunk)) {
                bits.set(chunk);
                if (++distinctChunks >= enoughChunks) {
                    distrust(lsn, "the WAL since the parent backup changes " + distinctChunks + " chunks, half or more of the database's;"
                            + " reading the files is cheaper (stopped)");
                }
            }
        }
    }

    @Override
    public boolean done() {
        return distrust != null;
    }

    @Override
    public void record(long lsn, int rmid, int info, ByteBuffer main) {
        records++;
        int op = info & 0xF0;
        switch (rmid) {
            case WalBlockScanner.RM_XLOG_ID -> {
                if (op == XLOG_PARAMETER_CHANGE) {
                    distrust(lsn, "WAL-relevant settings (wal_level…) changed");
                } else if (op == XLOG_FPW_CHANGE) {
                    distrust(lsn, "full_page_writes changed");
                } else if (op == XLOG_CHECKPOINT_SHUTDOWN) {
                    distrust(lsn, "the server restarted");
                } else if (op == XLOG_END_OF_RECOVERY || op == XLOG_OVERWRITE_CONTRECORD) {
                    distrust(lsn, "a recovery ended");
                }
            }
            case WalBlockScanner.RM_SMGR_ID -> {
                // xl_smgr_create: RelFileLocator, fork; xl_smgr_truncate: block number, RelFileLocator, flags.
                int at = op == XLOG_SMGR_CREATE ? 0 : op == XLOG_SMGR_TRUNCATE ? 4 : -1;
                if (at < 0 || main.remaining() < at + 12) {
                    distrust(lsn, "smgr record " + Integer.toHexString(info) + " not understood");
                } else {
                    distrustedRelations.add(new Relation(main.getInt(at), main.getInt(at + 4), main.getInt(at + 8)));
                }
            }
            case WalBlockScanner.RM_DBASE_ID -> {
                // Every xl_dbase_* record starts with the database's OID.
                if (main.remaining() < 4) {
                    distrust(lsn, "database record not understood");
                } else {
                    distrustedDatabases.add(main.getInt(0));
                }
            }
            case WalBlockScanner.RM_TBLSPC_ID -> distrust(lsn, "a tablespace was created or dropped");
            default -> {
            }
        }
    }

    @Override
    public void broken(long lsn, String why) {
        distrust(lsn, why);
    }

    private void distrust(long lsn, String why) {
        if (distrust == null) {
            distrust = why + " at " + Lsn.format(lsn);
        }
    }

    /** Why the whole map cannot be used, or null when it can. */
    public String distrust() {
        return distrust;
    }

    /** Why this relation's files must be read whole, or null. */
    public String distrust(Relation relation) {
        if (distrust != null) {
            return distrust;
        }
        if (distrustedDatabases.contains(relation.dbOid())) {
            return "its database was created, copied or dropped since the parent backup";
        }
        if (distrustedRelations.contains(relation)) {
            return "created or truncated since the parent backup";
        }
        return null;
    }

    /** Whether the main-fork chunk {@code chunk} (counted from the relation's first block) may have changed. */
    public boolean changed(Relation relation, long chunk) {
        BitSet bits = changed.get(relation);
        return bits != null && bits.get((int) chunk);
    }

    public long records() {
        return records;
    }

    public long blockReferences() {
        return blockReferences;
    }
}
