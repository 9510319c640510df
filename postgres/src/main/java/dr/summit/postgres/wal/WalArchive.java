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
 * on first push ({@code pg/CLUSTER/system-id}) and every later segment must match it. Segments the
 * receiver streamed but did not complete yet are pieces ({@link WalPieces}): a segment pushed by
 * archive_command must agree with them, and {@link #find} serves a streamed-only segment.
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
    private final WalPieces pieces;
    private volatile PushMemory memory = PushMemory.UNBOUNDED;
    private volatile SealBuffers buffers;

    public WalArchive(Repository repo, String cluster) {
        this(repo, cluster, WHOLE_MAX, PART_BYTES);
    }

    /** Bounds what concurrent pushes hold in memory (the resident agent's small heap). */
    public WalArchive memory(PushMemory memory) {
        this.memory = memory;
        return this;
    }

    /**
     * Seals files up to {@link #WHOLE_MAX} in these reused buffers (the resident agent): what a
     * push then holds beyond them is its sealed copy, which {@link #memory} bounds.
     */
    public WalArchive buffers(SealBuffers buffers) {
        this.buffers = buffers;
        return this;
    }

    /** A pool of seal buffers for files up to this archive's whole-object size, {@code count} at once. */
    public SealBuffers newSealBuffers(int count) {
        return new SealBuffers(count, Repository.sealScratchBytes(wholeMax));
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
        this.pieces = new WalPieces(repo, cluster);
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

    /**
     * Result of a push: whether the file was new or already archived with the same content; the
     * agent's backlog valve answers {@code NOT_STORED_GAP_RECORDED} for a segment it acknowledged
     * without storing ({@code --max-wal-backlog}).
     */
    public enum Pushed { STORED, ALREADY_ARCHIVED, NOT_STORED_GAP_RECORDED }

    /** Archives {@code file}; a symbolic link at its name is refused, not followed. */
    public Pushed push(Path file) throws IOException {
        WalFileName name = WalFileName.parse(file.getFileName().toString());
        try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return push(name, source);
        }
    }

    /**
     * Archives the file open as {@code source} under {@code name}; reads it in bounded pieces. A
     * segment must agree with the pieces streamed for it so far ({@link WalPieces}).
     */
    public Pushed push(WalFileName name, FileChannel source) throws IOException {
        return push(name, Source.of(source), true);
    }

    /**
     * Archives {@code content} as the file {@code fileName}: what the receiver stores once a
     * streamed segment is complete (or a timeline history it fetched), byte for byte the object
     * archive_command would store. A segment must agree with the pieces streamed for it so far.
     */
    public Pushed push(String fileName, byte[] content) {
        return pushBytes(fileName, content, true);
    }

    /**
     * The receiver's push of a segment it completed: its bytes were compared with the streamed
     * pieces as they arrived, so reading those back (up to a segment, while a synchronous primary
     * waits) is skipped. A segment larger than {@link #WHOLE_MAX} is stored in parts.
     */
    public Pushed pushStreamed(String segment, byte[] content) {
        return pushBytes(segment, content, false);
    }

    private Pushed pushBytes(String fileName, byte[] content, boolean compareWithStream) {
        try {
            return push(WalFileName.parse(fileName), Source.of(content), compareWithStream);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);   // not thrown: the bytes are in memory
        }
    }

    /** What a push reads: an open WAL file (in bounded pieces) or bytes the receiver holds. */
    private interface Source {
        long size() throws IOException;

        byte[] read(long position, int length) throws IOException;

        /** Fills {@code into[offset, offset+length)} with the bytes at {@code position}. */
        void read(long position, byte[] into, int offset, int length) throws IOException;

        static Source of(FileChannel channel) {
            return new Source() {
                @Override
                public long size() throws IOException {
                    return channel.size();
                }

                @Override
                public byte[] read(long position, int length) throws IOException {
                    return readAt(channel, position, length);
                }

                @Override
                public void read(long position, byte[] into, int offset, int length) throws IOException {
                    readAt(channel, position, ByteBuffer.wrap(into, offset, length));
                }
            };
        }

        static Source of(byte[] bytes) {
            return new Source() {
                @Override
                public long size() {
                    return bytes.length;
                }

                @Override
                public byte[] read(long position, int length) throws IOException {
                    if (position < 0 || position + length > bytes.length) {
                        throw new IOException("read of " + length + " bytes at " + position + " past the end (" + bytes.length + " bytes)");
                    }
                    return position == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, (int) position, (int) position + length);
                }

                @Override
                public void read(long position, byte[] into, int offset, int length) throws IOException {
                    if (position < 0 || position + length > bytes.length) {
                        throw new IOException("read of " + length + " bytes at " + position + " past the end (" + bytes.length + " bytes)");
                    }
                    System.arraycopy(bytes, (int) position, into, offset, length);
                }
            };
        }
    }

    private Pushed push(WalFileName name, Source source, boolean compareWithStream) throws IOException {
        long size = source.size();
        if (name.kind() == WalFileName.Kind.SEGMENT || name.kind() == WalFileName.Kind.PARTIAL) {
            checkSystemIdentifier(name.name(), WalSegmentHeader.systemIdentifier(source.read(0, (int) Math.min(size, 64))));
        }
        String object = objectName(name.name());
        // PostgreSQL pushes a segment again after a crash or a failed acknowledgement: look before
        // compressing and encrypting a segment that the store would refuse.
        if (repo.store().exists(object)) {
            return compareWithArchived(name, object, source);
        }
        if (compareWithStream && name.kind() == WalFileName.Kind.SEGMENT) {
            compareWithStreamed(name.name(), source);
        }
        try {
            SealBuffers pool = buffers;
            if (size <= wholeMax && pool != null && Repository.sealScratchBytes((int) size) <= pool.bufferBytes()) {
                // Compressed in a pooled direct buffer (no garbage of segment size), sealed into a
                // copy of its sealed size that the budget holds until stored, so the buffer goes
                // back to the next push at once.
                Repository.Sealed sealed;
                PushMemory.Reservation held;
                try (SealBuffers.Lease scratch = pool.take()) {
                    int payload = repo.encodeInto(source::read, (int) size, scratch.buffer());
                    held = memory.reserve(Repository.sealedLength(payload));
                    try {
                        sealed = repo.sealPayload(object, SealedObject.Kind.WAL, scratch.buffer(), payload);
                    } catch (RuntimeException | Error e) {
                        held.close();
                        throw e;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for memory to push " + name.name());
                }
                try (held) {
                    repo.putSealed(sealed);
                }
            } else if (size <= wholeMax) {
                // In slices: a 16 MiB segment then costs its compressed size in memory, not 3×16 MiB.
                // Sealing holds up to twice the size: the compressed blocks and the payload they are joined into.
                try (PushMemory.Reservation held = memory.reserve(2 * size)) {
                    Repository.Sealed sealed = repo.sealFrom(object, SealedObject.Kind.WAL, (int) size, source::read);
                    held.shrinkTo(sealed.length());
                    repo.putSealed(sealed);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for memory to push " + name.name());
                }
            } else {
                try (PushMemory.Reservation held = memory.reserve(3L * partBytes)) {   // a part, its payload, its sealed copy
                    pushParts(name, object, source, size);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for memory to push " + name.name());
                }
            }
            return Pushed.STORED;
        } catch (ObjectExistsException e) {
            return compareWithArchived(name, object, source);
        }
    }

    /** Parts first, the part list last: the name exists only once every part is durable. */
    private void pushParts(WalFileName name, String object, Source source, long size) throws IOException {
        String pushId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        MessageDigest sha = sha256();
        WalPartList draft = new WalPartList(size, partBytes, pushId, new byte[32]);
        for (int i = 0; i < draft.parts(); i++) {
            byte[] part = source.read((long) i * partBytes, draft.partSize(i));
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

    private static final int COMPARE_SLICE = 256 * 1024;

    private Pushed compareWithArchived(WalFileName name, String object, Source source) throws IOException {
        // The archived file is read whole (a part at a time for large ones), with its sealed and
        // decrypted copies: within the push budget, like any push (the agent's heap is small).
        long need = 2L * Math.min(source.size(), wholeMax);
        try (PushMemory.Reservation held = memory.reserve(need)) {
            return compareWithArchivedHeld(name, source);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for memory to compare " + name.name());
        }
    }

    private Pushed compareWithArchivedHeld(WalFileName name, Source source) throws IOException {
        Archived archived = findArchived(name);
        if (archived == null) {
            throw new RepositoryException("WAL file " + name.name() + " vanished from " + repo.store().location() + " while it was compared");
        }
        long size = source.size();
        boolean same = archived.size() == size;
        if (same && archived.whole != null) {
            // In slices: a re-push (a race between archive_command and the agent's look-ahead)
            // then holds the archived segment once, not twice.
            byte[] slice = new byte[(int) Math.min(size, COMPARE_SLICE)];
            for (long at = 0; same && at < size; at += slice.length) {
                int n = (int) Math.min(slice.length, size - at);
                source.read(at, slice, 0, n);
                same = Arrays.equals(archived.whole, (int) at, (int) at + n, slice, 0, n);
            }
        } else if (same) {
            WalPartList list = archived.parts;
            for (int i = 0; same && i < list.parts(); i++) {
                same = Arrays.equals(part(list, name.name(), i), source.read((long) i * list.partBytes(), list.partSize(i)));
            }
        }
        if (same) {
            return Pushed.ALREADY_ARCHIVED;
        }
        throw new RepositoryException("WAL file " + name.name() + " is already archived in " + repo.store().location()
                + " for cluster " + cluster + " with different content; refusing to overwrite (two servers archiving into one cluster name?)");
    }

    /**
     * Archive and stream deliver the same segment: where both have bytes, they must be the same.
     * The file is read in chunks of at most a part, compared with the durable streamed prefix.
     */
    private void compareWithStreamed(String segment, Source source) throws IOException {
        byte[] streamed = pieces.durablePrefix(segment);
        if (streamed.length == 0) {
            return;
        }
        long size = source.size();
        int n = (int) Math.min(streamed.length, size);
        long at = -1;
        for (int off = 0; off < n && at < 0; ) {
            int len = Math.min(partBytes, n - off);
            byte[] chunk = source.read(off, len);
            int m = Arrays.mismatch(streamed, off, off + len, chunk, 0, len);
            if (m >= 0) {
                at = off + m;
            }
            off += len;
        }
        if (at >= 0 || streamed.length > size) {
            throw new RepositoryException("WAL segment " + segment + " differs from the WAL streamed for it into "
                    + repo.store().location() + " (cluster " + cluster + ") at offset " + (at >= 0 ? at : size)
                    + ": archive_command and the receiver disagree; refusing to archive it");
        }
    }

    private static byte[] readAt(FileChannel source, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        readAt(source, position, buf);
        return buf.array();
    }

    private static void readAt(FileChannel source, long position, ByteBuffer buf) throws IOException {
        int start = buf.position();
        while (buf.hasRemaining()) {
            if (source.read(buf, position + buf.position() - start) < 0) {
                throw new IOException("WAL file shrank while it was archived (" + (buf.position() - start) + " of "
                        + (buf.limit() - start) + " bytes at " + position + ")");
            }
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
     * An archived file: its whole content when it is one object, else its part list, whose parts
     * {@link #writeTo} reads one at a time. A segment only streamed so far is its durable bytes
     * followed by zeros up to the segment size ({@link #streamedOnly}).
     */
    public final class Archived implements WalFileWriter.Content {
        private final String fileName;
        private final byte[] whole;
        private final WalPartList parts;
        private final byte[] streamed;
        private final long paddedSize;

        private Archived(String fileName, byte[] whole, WalPartList parts) {
            this(fileName, whole, parts, null, 0);
        }

        private Archived(String fileName, byte[] whole, WalPartList parts, byte[] streamed, long paddedSize) {
            this.fileName = fileName;
            this.whole = whole;
            this.parts = parts;
            this.streamed = streamed;
            this.paddedSize = paddedSize;
        }

        public long size() {
            return streamed != null ? paddedSize : whole != null ? whole.length : parts.size();
        }

        /** True for a segment served from streamed pieces: not archived whole yet. */
        public boolean streamedOnly() {
            return streamed != null;
        }

        @Override
        public void writeTo(WritableByteChannel out) throws IOException {
            if (streamed != null) {
                writeFully(out, streamed);
                byte[] zeros = new byte[(int) Math.min(paddedSize - streamed.length, 1 << 20)];
                for (long left = paddedSize - streamed.length; left > 0; left -= zeros.length) {
                    writeFully(out, left >= zeros.length ? zeros : Arrays.copyOf(zeros, (int) left));
                }
                return;
            }
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

    /**
     * An archived file (small files read whole, large ones as their part list), or null if not
     * archived. A segment that is only streamed so far is its durable bytes padded with zeros to the
     * segment size, as pg_receivewal leaves a .partial file: recovery replays it to its last
     * complete record and ends there.
     */
    public Archived find(String fileName) {
        WalFileName name = WalFileName.parse(fileName);
        Archived archived = findArchived(name);
        if (archived != null || name.kind() != WalFileName.Kind.SEGMENT) {
            return archived;
        }
        byte[] streamed = pieces.durablePrefix(name.name());
        int size = WalSegmentHeader.segmentSize(streamed);
        return size <= 0 || size < streamed.length ? null : new Archived(name.name(), null, null, streamed, size);
    }

    /** The file archived under {@code name}, ignoring streamed pieces; null if not archived. */
    private Archived findArchived(WalFileName name) {
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
     * An archived file's whole content, or null if it is not archived; a streamed-only segment as
     * {@link #find} serves it (durable bytes padded with zeros). A file archived in parts is
     * assembled in memory: for scanning records, not for copying files (use {@link #find}).
     */
    public byte[] read(String fileName) {
        Archived archived = find(fileName);
        if (archived == null) {
            return null;
        }
        if (archived.streamed != null) {
            return Arrays.copyOf(archived.streamed, (int) archived.paddedSize);
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

    /** Names of every archived file, sorted; with {@link #listWithStreamed} also the segments only streamed so far. */
    public List<String> list() {
        List<String> names = new ArrayList<>();
        for (String object : repo.store().list(prefix(cluster))) {
            names.add(object.substring(object.lastIndexOf('/') + 1));
        }
        names.sort(null);
        return names;
    }

    /** Archived files and the segments that only have streamed pieces ({@link #find} serves both), sorted. */
    public List<String> listWithStreamed() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(list());
        names.addAll(pieces.segments());
        return new ArrayList<>(names);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
