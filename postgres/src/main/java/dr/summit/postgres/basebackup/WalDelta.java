package dr.summit.postgres.basebackup;

import dr.summit.files.backup.Archiver;
import dr.summit.repository.tree.Node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WAL-derived incremental: for a relation file that changed since the parent backup, the 256 KiB
 * chunks that no WAL record between the parent's start and this backup's start touched are taken
 * from the parent unread ({@link WalChangeMap}). Why that is safe: every change to a logged
 * relation's page is in the WAL (with data_checksums or wal_log_hints even hint bits, as a
 * full-page image), the parent's copy of a page was read after the parent's start, and this
 * backup's checkpoint flushed everything before this start; changes after it are replayed from
 * this backup's WAL, which begins with a full-page image of each page it touches.
 *
 * <p>A file is read whole — and named in the report — when the map cannot vouch for it: not a
 * relation's main fork segment (free space maps, visibility maps, init forks and other files are
 * always read), an unlogged relation (it has an init fork; its changes are not in the WAL), a
 * size different from the parent's copy, or a relation or database the map distrusts.
 */
public final class WalDelta implements Archiver.ChunkReuse {
    /** Relation main-fork segment file: relation number, optional segment number. */
    private static final Pattern MAIN_FORK = Pattern.compile("(\\d+)(?:\\.(\\d+))?");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final int DEFAULT_TABLESPACE = 1663;
    private static final int GLOBAL_TABLESPACE = 1664;
    private static final int MAX_REPORTED = 20;

    private final WalChangeMap map;
    private final Path pgdata;
    private final Map<Integer, Path> tablespaces;
    private final long chunksPerSegment;
    private final AtomicLong filesUsingMap = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private final List<String> reported = new ArrayList<>();

    /**
     * @param tablespaces      OID → the tablespace's directory (pg_tblspc's link target)
     * @param chunksPerSegment chunks in one relation segment file (1 GiB / 256 KiB by default)
     */
    public WalDelta(WalChangeMap map, Path pgdata, Map<Integer, Path> tablespaces, long chunksPerSegment) {
        this.map = map;
        this.pgdata = pgdata.toAbsolutePath().normalize();
        this.tablespaces = Map.copyOf(tablespaces);
        this.chunksPerSegment = chunksPerSegment;
    }

    @Override
    public IntPredicate unchangedChunks(Path file, long size, Node parent) {
        Path f = file.toAbsolutePath().normalize();
        Matcher m = MAIN_FORK.matcher(f.getFileName().toString());
        if (!m.matches()) {
            return null; // fsm, vm, init forks, other files: always read
        }
        WalChangeMap.Relation relation = relationOf(f, Integer.parseUnsignedInt(m.group(1)));
        if (relation == null) {
            return null;
        }
        String why = map.distrust(relation);
        if (why == null && Files.exists(f.resolveSibling(m.group(1) + "_init"))) {
            why = "unlogged relation (its changes are not in the WAL)";
        }
        if (why == null && size != parent.size()) {
            why = "size changed since the parent backup (" + parent.size() + " → " + size + " bytes)";
        }
        if (why != null) {
            fallback(f, why);
            return null;
        }
        filesUsingMap.incrementAndGet();
        long first = (m.group(2) == null ? 0 : Long.parseLong(m.group(2))) * chunksPerSegment;
        return chunk -> !map.changed(relation, first + chunk);
    }

    /** The relation of a file under base/DB, global or a tablespace's PG_VERSION_CATVERSION/DB; null elsewhere. */
    private WalChangeMap.Relation relationOf(Path f, int relNumber) {
        if (f.startsWith(pgdata)) {
            Path rel = pgdata.relativize(f);
            if (rel.getNameCount() == 2 && rel.getName(0).toString().equals("global")) {
                return new WalChangeMap.Relation(GLOBAL_TABLESPACE, 0, relNumber);
            }
            if (rel.getNameCount() == 3 && rel.getName(0).toString().equals("base") && DIGITS.matcher(rel.getName(1).toString()).matches()) {
                return new WalChangeMap.Relation(DEFAULT_TABLESPACE, Integer.parseUnsignedInt(rel.getName(1).toString()), relNumber);
            }
            return null;
        }
        for (Map.Entry<Integer, Path> t : tablespaces.entrySet()) {
            Path root = t.getValue().toAbsolutePath().normalize();
            if (f.startsWith(root)) {
                Path rel = root.relativize(f);
                if (rel.getNameCount() == 3 && rel.getName(0).toString().startsWith("PG_")
                        && DIGITS.matcher(rel.getName(1).toString()).matches()) {
                    return new WalChangeMap.Relation(t.getKey(), Integer.parseUnsignedInt(rel.getName(1).toString()), relNumber);
                }
            }
        }
        return null;
    }

    private void fallback(Path f, String why) {
        fallbacks.incrementAndGet();
        synchronized (reported) {
            if (reported.size() < MAX_REPORTED) {
                Path shown = f.startsWith(pgdata) ? pgdata.relativize(f) : f;
                reported.add(shown + ": " + why);
            }
        }
    }

    /** Changed relation files read through the map (unchanged chunks taken from the parent). */
    public long filesUsingMap() {
        return filesUsingMap.get();
    }

    /** Changed relation files read whole because the map could not vouch for them. */
    public long fallbacks() {
        return fallbacks.get();
    }

    /** The first fallbacks, as "base/5/16384: why". */
    public List<String> reported() {
        synchronized (reported) {
            return List.copyOf(reported);
        }
    }
}
