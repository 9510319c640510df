package dr.summit.postgres.wal;

import dr.summit.repository.Repository;
import dr.summit.repository.RepositoryException;
import dr.summit.repository.crypto.SealedObject;
import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The WAL archive of one PostgreSQL cluster in a repository (docs/repository-format.md,
 * "PostgreSQL"): each archived file is one sealed WAL object {@code pg/CLUSTER/wal/NAME}, its
 * content compressed; a file larger than {@link #WHOLE_MAX} ({@code initdb --wal-segsize} up to
 * 1 GiB) is sealed in parts of {@link #PART_BYTES} and the object under its name is the part list,
 * so memory stays bounded whatever the segment size. The cluster's system identifier is recorded
 * on first push ({@code pg/CLUSTER/system-id}) and every later segment must match it.
 *
 * <p>A push returns only when the object is durable in the store, so PostgreSQL never recycles a
 * segment that is not archived. Pushing the same file again is success; pushing a different file
 * under an archived name is an error (two clusters, or a split brain, writing one archive).
 */
public final class WalArchive {
    /** Files up to this size are one sealed object, as in every earlier version of the format. */
    public static final int WHOLE_MAX = 16 * 1024 * 1024;
    /** Part size of larger files: a push or fetch holds about three parts' worth of memory. */
    public static final int PART_BYTES = 8 * 1024 * 1024;

    private final Repository repo;
    private final String cluster;
    private final int wholeMax;
    private final int partBytes;

    public WalArchive(Repository repo, String cluster) {
        this(repo, cluster, WHOLE_MAX, PART_BYTES);
    }

    /** With other thresholds, so that tests exercise parts with small files. */
    WalArchive(Repository repo, String cluster, int wholeMax, int partBytes) {
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new IllegalArgumentException("invalid cluster name '" + cluster + "' (letters, digits, . _ -)");
        }
        this.repo = repo;
        this.cluster = cluster;
        this.wholeMax = wholeMax;
        this.partBytes = partBytes;
    }

    public static String prefix(String cluster) {
        return "pg/" + cluster + "/wal/";
    }

    public String cluster() {
        return cluster;
    }

    private String objectName(String fileName) {
        return prefix(cluster) + fileName;
    }

    /** Result of a push: whether the file was new or already archived with the same content. */
    public enum Pushed { STORED, ALREADY_ARCHIVED }

    /** Archives {@code file}; a symbolic link at its name is refused, not followed. */
    public Pushed push(Path file) throws IOException {
        WalFileName name = WalFileName.parse(file.getFileName().toString());
        try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return push(name, source);
        }
    }

    /** Archives the file open as {@code source} under {@code name}; reads it in bounded pieces. */
    public Pushed push(WalFileName name, FileChannel source) throws IOException {
        long size = source.size();
        if (name.kind() == WalFileName.Kind.SEGMENT || name.kind() == WalFileName.Kind.PARTIAL) {
            checkSystemIdentifier(name.name(), WalSegmentHeader.systemIdentifier(readAt(source, 0, (int) Math.min(size, 64))));
        }
        String object = objectName(name.name());
        // PostgreSQL pushes a segment again after a crash or a failed acknowledgement: look before
        // compressing and encrypting a segment that the store would refuse.
        if (repo.store().exists(object)) {
            return compareWithArchived(name, object, source);
        }
        try {
            if (size <= wholeMax) {
                repo.putSealed(object, SealedObject.Kind.WAL, readAt(source, 0, (int) size));
            } else {
                pushParts(name, object, source, size);
            }
            return Pushed.STORED;
        } catch (ObjectExistsException e) {
            return compareWithArchived(name, object, source);
        }
    }

    /** Parts first, the part list last: the name exists only once every part is durable. */
    private void pushParts(WalFileName name, String object, FileChannel source, long size) throws IOException {
        String pushId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        MessageDigest sha = sha256();
        WalPartList draft = new WalPartList(size, partBytes, pushId, new byte[32]);
        for (int i = 0; i < draft.parts(); i++) {
            byte[] part = readAt(source, (long) i * partBytes, draft.partSize(i));
            sha.update(part);
            repo.putSealed(draft.partObject(cluster, name.name(), i), SealedObject.Kind.WAL, part);
        }
        if (source.size() != size) {
            throw new IOException("WAL file " + name.name() + " changed size while it was archived");
        }
        WalPartList list = new WalPartList(size, partBytes, pushId, sha.digest());
        try {
            repo.putSealed(object, SealedObject.Kind.WAL_PARTS, list.encode());
        } catch (ObjectExistsException raced) {
            deleteParts(list, name.name());
            throw raced;
        }
    }

    private Pushed compareWithArchived(WalFileName name, String object, FileChannel source) throws IOException {
        Archived archived = find(name.name());
        if (archived == null) {
            throw new RepositoryException("WAL file " + name.name() + " vanished from " + repo.store().location() + " while it was compared");
        }
        long size = source.size();
        boolean same = archived.size() == size;
        if (same && archived.whole != null) {
            same = Arrays.equals(archived.whole, readAt(source, 0, (int) size));
        } else if (same) {
            WalPartList list = archived.parts;
            for (int i = 0; same && i < list.parts(); i++) {
                same = Arrays.equals(part(list, name.name(), i), readAt(source, (long) i * list.partBytes(), list.partSize(i)));
            }
        }
        if (same) {
            return Pushed.ALREADY_ARCHIVED;
        }
        throw new RepositoryException("WAL file " + name.name() + " is already archived in " + repo.store().location()
                + " for cluster " + cluster + " with different content; refusing to overwrite (two servers archiving into one cluster name?)");
    }

    private static byte[] readAt(FileChannel source, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (source.read(buf, position + buf.position()) < 0) {
                throw new IOException("WAL file shrank while it was archived (" + buf.position() + " of " + length + " bytes at " + position + ")");
            }
        }
        return buf.array();
    }

    private void checkSystemIdentifier(String segment, long systemId) {
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
     * An archived file: its whole content when it is one object, else its part list, whose parts
     * {@link #writeTo} reads one at a time.
     */
    public final class Archived implements WalFileWriter.Content {
        private final String fileName;
        private final byte[] whole;
        private final WalPartList parts;

        private Archived(String fileName, byte[] whole, WalPartList parts) {
            this.fileName = fileName;
            this.whole = whole;
            this.parts = parts;
        }

        public long size() {
            return whole != null ? whole.length : parts.size();
        }

        @Override
        public void writeTo(WritableByteChannel out) throws IOException {
            if (whole != null) {
                writeFully(out, whole);
                return;
            }
            MessageDigest sha = sha256();
            for (int i = 0; i < parts.parts(); i++) {
                byte[] part = part(parts, fileName, i);
                sha.update(part);
                writeFully(out, part);
            }
            if (!Arrays.equals(sha.digest(), parts.sha256())) {
                throw new RepositoryException("WAL file " + fileName + " in " + repo.store().location()
                        + ": its parts do not hash to the part list's SHA-256 (parts of another push?)");
            }
        }
    }

    private byte[] part(WalPartList list, String fileName, int index) {
        String object = list.partObject(cluster, fileName, index);
        byte[] part = repo.getSealed(object, SealedObject.Kind.WAL);
        if (part.length != list.partSize(index)) {
            throw new RepositoryException("WAL part " + object + " in " + repo.store().location() + " has " + part.length
                    + " bytes, its part list says " + list.partSize(index));
        }
        return part;
    }

    private static void writeFully(WritableByteChannel out, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /** An archived file (small files read whole, large ones as their part list), or null if not archived. */
    public Archived find(String fileName) {
        WalFileName name = WalFileName.parse(fileName);
        String object = objectName(name.name());
        try {
            SealedObject.Header header = SealedObject.header(repo.store().getRange(object, 0, SealedObject.HEADER_BYTES), object);
            if (header.kind() == SealedObject.Kind.WAL_PARTS) {
                return new Archived(name.name(), null, WalPartList.decode(repo.getSealed(object, SealedObject.Kind.WAL_PARTS), object));
            }
            return new Archived(name.name(), repo.getSealed(object, SealedObject.Kind.WAL), null);
        } catch (ObjectNotFoundException e) {
            return null;
        }
    }

    /**
     * Writes an archived file to {@code destination} (temporary name, then rename, so recovery
     * never reads a partial file; mode 0600; links at the name replaced, not followed). Returns
     * false if the file is not archived — recovery asks for files past the end of the archive,
     * and that is not an error.
     */
    public boolean fetch(String fileName, Path destination) throws IOException {
        Archived archived = find(fileName);
        if (archived == null) {
            return false;
        }
        Path parent = destination.toAbsolutePath().getParent();
        try (SecureDirectoryStream<Path> directory = WalFileWriter.open(parent)) {
            WalFileWriter.write(directory, destination.getFileName().toString(), archived);
        }
        return true;
    }

    /**
     * An archived file's whole content, or null if it is not archived. A file archived in parts is
     * assembled in memory: for scanning records, not for copying files (use {@link #find}).
     */
    public byte[] read(String fileName) {
        Archived archived = find(fileName);
        if (archived == null) {
            return null;
        }
        if (archived.whole != null) {
            return archived.whole;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) Math.min(archived.size(), Integer.MAX_VALUE - 8));
        try {
            archived.writeTo(java.nio.channels.Channels.newChannel(out));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Deletes archived files: their objects, then their parts (of the push that committed them and
     * of any interrupted one), found with one listing.
     */
    public void delete(java.util.Collection<String> fileNames) {
        java.util.Set<String> names = new java.util.HashSet<>(fileNames);
        for (String name : names) {
            repo.store().delete(objectName(name));
        }
        String parts = "pg/" + cluster + "/wal-parts/";
        for (String part : repo.store().list(parts)) {
            String rest = part.substring(parts.length());
            if (names.contains(rest.substring(0, Math.max(0, rest.indexOf('/'))))) {
                repo.store().delete(part);
            }
        }
    }

    private void deleteParts(WalPartList list, String fileName) {
        for (int i = 0; i < list.parts(); i++) {
            repo.store().delete(list.partObject(cluster, fileName, i));
        }
    }

    /** Names of every archived file, sorted. */
    public List<String> list() {
        List<String> names = new ArrayList<>();
        for (String object : repo.store().list(prefix(cluster))) {
            names.add(object.substring(object.lastIndexOf('/') + 1));
        }
        names.sort(null);
        return names;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
