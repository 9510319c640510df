package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The growing segments of a cluster's streamed WAL (docs/repository-format.md, "PostgreSQL",
 * streamed pieces): each flush of the receiver is one sealed object
 * {@code pg/CLUSTER/wal-stream/SEGMENT.START-END} holding bytes [START, END) of the segment (offsets
 * in 8 hexadecimal digits). The durable part of a segment is the run of pieces that covers it from
 * offset 0 without a hole. Once the whole segment is archived under {@code pg/CLUSTER/wal/}, its
 * pieces are garbage.
 */
public final class WalPieces {
    private static final Pattern PIECE = Pattern.compile("([0-9A-F]{24})\\.([0-9A-F]{8})-([0-9A-F]{8})");

    /**
     * Smaller pieces are stored raw: a synchronous primary waits for each, and the space they take
     * is temporary (the segment is archived whole, compressed, once complete).
     */
    static final int COMPRESS_FROM = 64 * 1024;

    private final Repository repo;
    private final String cluster;

    public WalPieces(Repository repo, String cluster) {
        this.repo = repo;
        this.cluster = cluster;
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
     * Stores bytes [start, end) of {@code segment}; returns when the object is durable in the store.
     * Storing a piece again (a receiver that reconnected) is accepted when the bytes are the same.
     */
    public void put(String segment, byte[] segmentBytes, int start, int end) {
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

    /** The pieces of every segment, ordered by segment and start. */
    public List<Piece> list() {
        List<Piece> pieces = new ArrayList<>();
        for (String object : repo.store().list(prefix(cluster))) {
            Piece p = parse(object.substring(object.lastIndexOf('/') + 1));
            if (p != null) {
                pieces.add(p);
            }
        }
        pieces.sort((a, b) -> a.segment.equals(b.segment) ? Integer.compare(a.start, b.start) : a.segment.compareTo(b.segment));
        return pieces;
    }

    /** Names of the segments that have pieces, sorted. */
    public List<String> segments() {
        TreeSet<String> names = new TreeSet<>();
        list().forEach(p -> names.add(p.segment()));
        return new ArrayList<>(names);
    }

    /** The durable bytes of {@code segment} from offset 0 (an empty array when none). */
    public byte[] durablePrefix(String segment) {
        List<Piece> mine = list().stream().filter(p -> p.segment().equals(segment)).toList();
        List<PieceBytes> loaded = new ArrayList<>();
        for (Piece p : mine) {
            try {
                loaded.add(new PieceBytes(p, repo.getSealed(prefix(cluster) + p.name(), SealedObject.Kind.WAL)));
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

    /** Removes the pieces of {@code segment} (idempotent): garbage once the segment is archived whole. */
    public void delete(String segment) {
        for (Piece p : list()) {
            if (p.segment().equals(segment)) {
                repo.store().delete(prefix(cluster) + p.name());
            }
        }
    }
}
