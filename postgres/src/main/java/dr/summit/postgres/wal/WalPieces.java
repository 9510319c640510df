package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.SealedLogWriter;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;

import java.util.ArrayList;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The growing segments of a cluster's streamed WAL (docs/repository-format.md, "PostgreSQL",
 * streamed pieces). Each flush of the receiver stores one piece, bytes [START, END) of a segment:
 * <ul>
 *   <li>on a store that can append (a local directory), as one record of the segment's sealed log
 *       {@code pg/CLUSTER/wal-stream/SEGMENT.log-RANDOM} (one log per receiver session and
 *       segment; a write and an fdatasync per flush, which a synchronous primary waits for);</li>
 *   <li>elsewhere (S3), as one sealed object {@code pg/CLUSTER/wal-stream/SEGMENT.START-END}
 *       (offsets in 8 hexadecimal digits).</li>
 * </ul>
 * The durable part of a segment is the run of pieces, from either form, that covers it from
 * offset 0 without a hole. Once the whole segment is archived under {@code pg/CLUSTER/wal/}, its
 * pieces and logs are garbage.
 */
public final class WalPieces {
    private static final Pattern PIECE = Pattern.compile("([0-9A-F]{24})\\.([0-9A-F]{8})-([0-9A-F]{8})");
    private static final Pattern LOG = Pattern.compile("([0-9A-F]{24})\\.log-[0-9a-f]{16}");

    /**
     * Smaller pieces are stored raw: a synchronous primary waits for each, and the space they take
     * is temporary (the segment is archived whole, compressed, once complete). Log records are
     * always raw, for the same reason.
     */
    static final int COMPRESS_FROM = 64 * 1024;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Repository repo;
    private final String cluster;
    private final boolean appendWhenPossible;
    /** This writer's open log per segment; a failed append drops it and the next piece starts a new one. */
    private final Map<String, SealedLogWriter> logs = new ConcurrentHashMap<>();

    public WalPieces(Repository repo, String cluster) {
        this(repo, cluster, true);
    }

    /** @param appendWhenPossible false stores every piece as its own object, even on a local store (tests of that form) */
    WalPieces(Repository repo, String cluster, boolean appendWhenPossible) {
        this.repo = repo;
        this.cluster = cluster;
        this.appendWhenPossible = appendWhenPossible;
    }

    public static String prefix(String cluster) {
        return "pg/" + cluster + "/wal-stream/";
    }

    /** The object name of bytes [start, end) of {@code segment}. */
    public static String pieceName(String segment, int start, int end) {
        return String.format("%s.%08X-%08X", segment, start, end);
    }

    /** One stored piece: its segment and the byte range it covers. */
    public record Piece(String segment, int start, int end) {
        public String name() {
            return pieceName(segment, start, end);
        }
    }

    /** A piece name parsed, or null for a name that is not one (ignored by readers). */
    public static Piece parse(String name) {
        Matcher m = PIECE.matcher(name);
        if (!m.matches()) {
            return null;
        }
        int start = Integer.parseUnsignedInt(m.group(2), 16);
        int end = Integer.parseUnsignedInt(m.group(3), 16);
        return end > start ? new Piece(m.group(1), start, end) : null;
    }

    /**
     * Stores bytes [start, end) of {@code segment}; returns when they are durable in the store.
     * Safe from several threads. Storing a piece again (a receiver that reconnected) is accepted
     * when the bytes are the same (as an object: compared now; in a log: when read).
     */
    public void put(String segment, byte[] segmentBytes, int start, int end) {
        if (appendsLocally()) {
            append(segment, logs.computeIfAbsent(segment, s -> repo.createSealedLog(logName(s), true)), segmentBytes, start, end);
            return;
        }
        String object = prefix(cluster) + pieceName(segment, start, end);
        byte[] content = Arrays.copyOfRange(segmentBytes, start, end);
        try {
            if (content.length < COMPRESS_FROM) {
                repo.putSealedUncompressed(object, SealedObject.Kind.WAL, content);
            } else {
                repo.putSealed(object, SealedObject.Kind.WAL, content);
            }
        } catch (ObjectExistsException e) {
            if (!Arrays.equals(repo.getSealed(object, SealedObject.Kind.WAL), content)) {
                throw new RepositoryException("streamed WAL piece " + object + " in " + repo.store().location()
                        + " holds different bytes than the server sent again; refusing to continue (two servers streaming into cluster '"
                        + cluster + "'?)");
            }
        }
    }

    /** Whether pieces go to sealed logs, each one an append and an fdatasync on a local disk. */
    public boolean appendsLocally() {
        return appendWhenPossible && repo.store().canAppend();
    }

    private String logName(String segment) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return prefix(cluster) + segment + ".log-" + HexFormat.of().formatHex(random);
    }

    private void append(String segment, SealedLogWriter log, byte[] segmentBytes, int start, int end) {
        byte[] record = new ByteWriter(8 + end - start).u32(start).u32(end).bytes(segmentBytes, start, end - start).toByteArray();
        try {
            log.append(record);
            log.sync();
        } catch (RuntimeException e) {
            // Whatever this log holds after a failed write is torn at its end: the next piece
            // starts a new log rather than append behind it.
            if (logs.remove(segment, log)) {
                log.close();
            }
            throw e;
        }
    }

    /** A log record's piece: its range, from the record's first 8 bytes, and the bytes. */
    private static PieceBytes fromRecord(String segment, byte[] record, String log) {
        ByteReader r = new ByteReader(record, log);
        int start = (int) r.u32();
        int end = (int) r.u32();
        if (end <= start || end - start != r.remaining()) {
            throw r.corrupt("a record of bytes [" + start + ", " + end + ") holds " + r.remaining() + " bytes");
        }
        return new PieceBytes(new Piece(segment, start, end), r.bytes(end - start));
    }

    /** One object holding streamed WAL of {@code segment}: a piece or a log. */
    public record Stored(String segment, String object) {
    }

    /** Every object holding streamed WAL (pieces and logs), with its segment. */
    public List<Stored> objects() {
        List<Stored> found = new ArrayList<>();
        for (String object : repo.store().list(prefix(cluster))) {
            String segment = segmentOf(object.substring(object.lastIndexOf('/') + 1));
            if (segment != null) {
                found.add(new Stored(segment, object));
            }
        }
        return found;
    }

    /** The segment a piece or log name belongs to; null for other names (ignored by readers). */
    static String segmentOf(String name) {
        Piece p = parse(name);
        if (p != null) {
            return p.segment();
        }
        Matcher m = LOG.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    /** Names of the segments that have pieces, sorted. */
    public List<String> segments() {
        TreeSet<String> names = new TreeSet<>();
        objects().forEach(o -> names.add(o.segment()));
        return new ArrayList<>(names);
    }

    /** The durable bytes of {@code segment} from offset 0 (an empty array when none). */
    public byte[] durablePrefix(String segment) {
        List<PieceBytes> loaded = new ArrayList<>();
        for (Stored o : objects()) {
            if (!o.segment().equals(segment)) {
                continue;
            }
            try {
                String name = o.object().substring(o.object().lastIndexOf('/') + 1);
                Piece p = parse(name);
                if (p != null) {
                    loaded.add(new PieceBytes(p, repo.getSealed(o.object(), SealedObject.Kind.WAL)));
                } else {
                    for (byte[] record : repo.readSealedLog(o.object())) {
                        loaded.add(fromRecord(segment, record, o.object()));
                    }
                }
            } catch (ObjectNotFoundException e) {
                // Removed by expire or the receiver after the segment was archived whole: skip it.
            }
        }
        return join(segment, loaded);
    }

    /** A piece with its content. */
    public record PieceBytes(Piece piece, byte[] content) {
    }

    /**
     * The contiguous bytes the pieces cover from offset 0: pure, so it can be tested on its own.
     * Overlapping pieces (a receiver that reconnected mid-segment) must agree where they overlap.
     */
    public static byte[] join(String segment, List<PieceBytes> pieces) {
        List<PieceBytes> sorted = new ArrayList<>(pieces);
        sorted.sort((a, b) -> Integer.compare(a.piece().start(), b.piece().start()));
        int end = 0;
        for (PieceBytes p : sorted) {
            if (p.piece().start() > end) {
                break;
            }
            end = Math.max(end, p.piece().end());
        }
        byte[] out = new byte[end];
        boolean[] known = new boolean[end];
        for (PieceBytes p : sorted) {
            int start = p.piece().start();
            if (start >= end) {
                break;
            }
            if (p.content().length != p.piece().end() - start) {
                throw new RepositoryException("streamed WAL piece " + p.piece().name() + " holds " + p.content().length
                        + " bytes, its name says " + (p.piece().end() - start));
            }
            for (int i = 0; i < p.content().length; i++) {
                int at = start + i;
                if (known[at] && out[at] != p.content()[i]) {
                    throw new RepositoryException("streamed WAL pieces of segment " + segment + " disagree at offset " + at
                            + " (piece " + p.piece().name() + ")");
                }
                out[at] = p.content()[i];
                known[at] = true;
            }
        }
        return out;
    }

    /**
     * Removes the pieces and logs of {@code segment} (idempotent): garbage once the segment is
     * archived whole. Closes this writer's log of it first.
     */
    public void delete(String segment) {
        SealedLogWriter log = logs.remove(segment);
        if (log != null) {
            log.close();
        }
        for (Stored o : objects()) {
            if (o.segment().equals(segment)) {
                repo.store().delete(o.object());
            }
        }
    }

    /** Closes this writer's open logs (the receiver stops); what they hold stays readable. */
    public void closeLogs() {
        for (String segment : List.copyOf(logs.keySet())) {
            SealedLogWriter log = logs.remove(segment);
            if (log != null) {
                log.close();
            }
        }
    }
}
