package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The WAL archive of one PostgreSQL cluster in a repository (docs/repository-format.md,
 * "PostgreSQL"): each archived file is one sealed WAL object {@code pg/CLUSTER/wal/NAME}, its
 * content compressed. The cluster's system identifier is recorded on first push
 * ({@code pg/CLUSTER/system-id}) and every later segment must match it.
 *
 * <p>A push returns only when the object is durable in the store, so PostgreSQL never recycles a
 * segment that is not archived. Pushing the same file again is success; pushing a different file
 * under an archived name is an error (two clusters, or a split brain, writing one archive).
 */
public final class WalArchive {
    private final Repository repo;
    private final String cluster;

    private final WalPieces pieces;

    public WalArchive(Repository repo, String cluster) {
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException("invalid cluster name '" + cluster + "' (letters, digits, . _ -)");
        }
        this.repo = repo;
        this.cluster = cluster;
        this.pieces = new WalPieces(repo, cluster);
    }

    public static String prefix(String cluster) {
        return "pg/" + cluster + "/wal/";
    }

    private String objectName(String fileName) {
        return prefix(cluster) + fileName;
    }

    /** Result of a push: whether the file was new or already archived with the same content. */
    public enum Pushed { STORED, ALREADY_ARCHIVED }

    public Pushed push(Path file) throws IOException {
        return push(file.getFileName().toString(), Files.readAllBytes(file));
    }

    /**
     * Archives {@code content} as the file {@code fileName}: what archive_command delivers and what
     * the receiver stores once a streamed segment is complete, byte for byte the same object. A
     * segment must agree with the pieces streamed for it so far ({@link WalPieces}).
     */
    public Pushed push(String fileName, byte[] content) {
        return push(fileName, content, true);
    }

    /**
     * The receiver's push of a segment it completed: its bytes were compared with the streamed
     * pieces as they arrived, so reading those back (up to a segment, while a synchronous primary
     * waits) is skipped.
     */
    public Pushed pushStreamed(String segment, byte[] content) {
        return push(segment, content, false);
    }

    private Pushed push(String fileName, byte[] content, boolean compareWithStream) {
        WalFileName name = WalFileName.parse(fileName);
        if (name.kind() == WalFileName.Kind.SEGMENT || name.kind() == WalFileName.Kind.PARTIAL) {
            checkSystemIdentifier(name.name(), WalSegmentHeader.systemIdentifier(content));
        }
        String object = objectName(name.name());
        // PostgreSQL pushes a segment again after a crash or a failed acknowledgement: look before
        // compressing and encrypting 16 MiB that the store would refuse.
        if (repo.store().exists(object)) {
            return compareWithArchived(name, object, content);
        }
        if (compareWithStream && name.kind() == WalFileName.Kind.SEGMENT) {
            compareWithStreamed(name.name(), content);
        }
        try {
            repo.putSealed(object, SealedObject.Kind.WAL, content);
            return Pushed.STORED;
        } catch (ObjectExistsException e) {
            return compareWithArchived(name, object, content);
        }
    }

    private Pushed compareWithArchived(WalFileName name, String object, byte[] content) {
        byte[] archived = repo.getSealed(object, SealedObject.Kind.WAL);
        if (Arrays.equals(archived, content)) {
            return Pushed.ALREADY_ARCHIVED;
        }
        throw new RepositoryException("WAL file " + name.name() + " is already archived in " + repo.store().location()
                + " for cluster " + cluster + " with different content; refusing to overwrite (two servers archiving into one cluster name?)");
    }

    /** Archive and stream deliver the same segment: where both have bytes, they must be the same. */
    private void compareWithStreamed(String segment, byte[] content) {
        byte[] streamed = pieces.durablePrefix(segment);
        int n = Math.min(streamed.length, content.length);
        int at = Arrays.mismatch(Arrays.copyOf(streamed, n), Arrays.copyOf(content, n));
        if (at >= 0 || streamed.length > content.length) {
            throw new RepositoryException("WAL segment " + segment + " differs from the WAL streamed for it into "
                    + repo.store().location() + " (cluster " + cluster + ") at offset " + (at >= 0 ? at : content.length)
                    + ": archive_command and the receiver disagree; refusing to archive it");
        }
    }

    /** Checks {@code systemId} (from a segment or the replication connection) against the cluster's recorded one. */
    public void checkSystemIdentifier(String segment, long systemId) {
        if (systemId < 0) {
            throw new RepositoryException("WAL segment " + segment + " has no long page header: not a WAL segment");
        }
        String object = "pg/" + cluster + "/system-id";
        byte[] mine = Long.toUnsignedString(systemId).getBytes(StandardCharsets.US_ASCII);
        byte[] recorded;
        try {
            recorded = repo.getSealed(object, SealedObject.Kind.WAL);
        } catch (ObjectNotFoundException e) {
            try {
                repo.putSealed(object, SealedObject.Kind.WAL, mine);
                return;
            } catch (ObjectExistsException raced) {
                recorded = repo.getSealed(object, SealedObject.Kind.WAL);
            }
        }
        if (!Arrays.equals(recorded, mine)) {
            throw new RepositoryException("WAL segment " + segment + " belongs to database system "
                    + Long.toUnsignedString(systemId) + ", but cluster '" + cluster + "' in " + repo.store().location()
                    + " archives system " + new String(recorded, StandardCharsets.US_ASCII));
        }
    }

    /**
     * Writes an archived file to {@code destination} (temporary name, then rename, so recovery
     * never reads a partial file). Returns false if the file is not archived — recovery asks for
     * files past the end of the archive, and that is not an error.
     */
    public boolean fetch(String fileName, Path destination) throws IOException {
        byte[] content = read(fileName);
        if (content == null) {
            return false;
        }
        writeAtomically(content, destination);
        return true;
    }

    /**
     * An archived file's content, or null if it is not archived. A segment that is only streamed
     * so far is its durable bytes padded with zeros to the segment size, as pg_receivewal leaves a
     * .partial file: recovery replays it to its last complete record and ends there.
     */
    public byte[] read(String fileName) {
        WalFileName name = WalFileName.parse(fileName);
        try {
            return repo.getSealed(objectName(name.name()), SealedObject.Kind.WAL);
        } catch (ObjectNotFoundException e) {
            if (name.kind() != WalFileName.Kind.SEGMENT) {
                return null;
            }
            byte[] streamed = pieces.durablePrefix(name.name());
            int size = WalSegmentHeader.segmentSize(streamed);
            return size <= 0 || size < streamed.length ? null : Arrays.copyOf(streamed, size);
        }
    }

    /** Writes {@code content} to {@code destination} through a temporary name and a rename. */
    public static void writeAtomically(byte[] content, Path destination) throws IOException {
        Path temp = destination.resolveSibling(destination.getFileName() + ".summit-tmp");
        try {
            Files.write(temp, content);
            // The server opens the file read-write; when a root-run agent writes it, hand it to
            // the owner of pg_wal (the postgres user).
            java.nio.file.attribute.UserPrincipal owner = Files.getOwner(temp.getParent());
            if (!Files.getOwner(temp).equals(owner)) {
                Files.setOwner(temp, owner);
            }
            Files.move(temp, destination, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Names of every archived file, sorted; with {@link #listWithStreamed} also the segments only streamed so far. */
    public List<String> list() {
        List<String> names = new ArrayList<>();
        for (String object : repo.store().list(prefix(cluster))) {
            names.add(object.substring(object.lastIndexOf('/') + 1));
        }
        names.sort(null);
        return names;
    }

    /** Archived files and the segments that only have streamed pieces ({@link #read} serves both), sorted. */
    public List<String> listWithStreamed() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(list());
        names.addAll(pieces.segments());
        return new ArrayList<>(names);
    }
}
