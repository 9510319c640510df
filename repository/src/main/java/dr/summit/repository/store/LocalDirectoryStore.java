package dr.summit.repository.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Objects as files under a root directory, the embedded default store.
 *
 * <p>A put writes a temporary file next to its final name, fsyncs it, then publishes it with
 * {@code link(2)} — which, unlike rename, fails when the name exists, so nothing is ever
 * overwritten — removes the temporary name and fsyncs the directory. A crash leaves at worst a
 * temporary file ({@value #TEMP_PREFIX}*) that no reader lists and that prune removes.
 *
 * <p>Files are created 0600 and directories 0700 whatever the umask: key slots and sealed objects
 * can be attacked offline by anyone who can copy them. Group access is an explicit choice: when the
 * repository's {@code config} file is group-readable ({@code init --group-access}, or chmod g+r),
 * new files are 0640 and directories 0750 (docs/operations.md, "Permissions").
 */
public final class LocalDirectoryStore implements ObjectStore {
    public static final String TEMP_PREFIX = ".tmp-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final StoreStats stats = new StoreStats();
    private final StoreFaults faults;

    public LocalDirectoryStore(Path root) {
        this(root, StoreFaults.NONE);
    }

    /** A store whose calls first consult {@code faults}; used by crash-safety tests. */
    public LocalDirectoryStore(Path root, StoreFaults faults) {
        this.root = root.toAbsolutePath().normalize();
        this.faults = faults;
        boolean group = groupReadable(this.root.resolve("config"));
        this.fileMode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(group ? "rw-r-----" : "rw-------"));
        this.dirMode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(group ? "rwxr-x---" : "rwx------"));
    }

    private final FileAttribute<Set<PosixFilePermission>> fileMode;
    private final FileAttribute<Set<PosixFilePermission>> dirMode;

    private static boolean groupReadable(Path config) {
        try {
            return Files.getPosixFilePermissions(config).contains(PosixFilePermission.GROUP_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;   // no config yet (init), or no POSIX modes: the private default
        }
    }

    /**
     * Makes the repository readable by its directory's group: what exists now, and (through the
     * mode of {@code config}) what is written from now on: files 0640, directories 0750.
     */
    public static void allowGroupAccess(Path root) {
        try (var entries = Files.walk(root)) {
            for (Path p : entries.toList()) {
                boolean dir = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(dir ? "rwxr-x---" : "rw-r-----"));
            }
        } catch (IOException e) {
            throw new StoreException("cannot allow group access to " + root + ": " + describe(e), e);
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public void put(String name, byte[] data, int offset, int length) {
        faults.before(StoreFaults.Call.PUT, name);
        Path target = resolve(name);
        Path temp = null;
        try {
            temp = writeTemporary(target, data, offset, length);
            publish(name, target, temp);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StoreException("cannot write " + name + " in " + location() + ": " + describe(e), e);
        }
        stats.put(length);
    }

    /**
     * Gives a durable temporary file its final name with link(2), which fails rather than replace
     * an existing object, then drops the temporary name and fsyncs the directory.
     */
    private void publish(String name, Path target, Path temp) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            throw new ObjectExistsException(location(), name);
        } finally {
            Files.deleteIfExists(temp);
        }
        fsyncDirectory(target.getParent());
    }

    /**
     * A pack in the making as a temporary file beside its final name: workers write their blobs at
     * their offsets straight into it, and the commit is a put's fsync and link, with no copy of
     * the whole object in memory.
     */
    @Override
    public java.util.Optional<StagedObject> stage(String name) {
        Path target = resolve(name);
        Path temp = temporaryName(target);
        try {
            createDirectories(target.getParent());
            return java.util.Optional.of(new StagedFile(name, target, temp,
                    FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileMode)));
        } catch (IOException e) {
            throw new StoreException("cannot create a temporary file for " + name + " in " + location() + ": " + describe(e), e);
        }
    }

    private final class StagedFile implements StagedObject {
        private final String name;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private boolean committed;
        private boolean closed;

        StagedFile(String name, Path target, Path temp, FileChannel channel) {
            this.name = name;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
        }

        @Override
        public void write(long position, byte[] data, int offset, int length) {
            try {
                writeSlices(channel, position, data, offset, length);
            } catch (IOException e) {
                throw new StoreException("cannot write " + name + " in " + location() + ": " + describe(e), e);
            }
        }

        @Override
        public synchronized void commit(long length) {
            if (committed || closed) {
                throw new IllegalStateException(name + " was " + (committed ? "committed" : "discarded") + " already");
            }
            faults.before(StoreFaults.Call.PUT, name);
            try {
                if (channel.size() != length) {
                    throw new IllegalStateException(name + " holds " + channel.size() + " bytes, not the " + length + " committed");
                }
                channel.force(true);
                channel.close();
                publish(name, target, temp);
            } catch (IOException e) {
                throw new StoreException("cannot write " + name + " in " + location() + ": " + describe(e), e);
            }
            committed = true;
            stats.put(length);
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // discarding: the temporary file goes below either way
            }
            if (!committed) {
                deleteQuietly(temp);
            }
        }
    }

    @Override
    public void replace(String name, byte[] data) {
        faults.before(StoreFaults.Call.PUT, name);
        Path target = resolve(name);
        Path temp = null;
        try {
            temp = writeTemporary(target, data, 0, data.length);
            // rename(2) replaces atomically: a reader opens either the old file or the new one.
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(target.getParent());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StoreException("cannot replace " + name + " in " + location() + ": " + describe(e), e);
        }
        stats.put(data.length);
    }

    @Override
    public boolean canAppend() {
        return true;
    }

    @Override
    public java.util.Optional<AppendableObject> createAppendable(String name, byte[] first) {
        faults.before(StoreFaults.Call.PUT, name);
        Path target = resolve(name);
        FileChannel channel = null;
        try {
            createDirectories(target.getParent());
            channel = FileChannel.open(target, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND), fileMode);
            AppendableFile file = new AppendableFile(name, target, channel, fileKey(target));
            file.append(first);
            channel.force(true);
            fsyncDirectory(target.getParent());
            stats.put(first.length);
            return java.util.Optional.of(file);
        } catch (FileAlreadyExistsException e) {
            throw new ObjectExistsException(location(), name);
        } catch (IOException e) {
            closeQuietly(channel);
            deleteQuietly(target);
            throw new StoreException("cannot create " + name + " in " + location() + ": " + describe(e), e);
        }
    }

    /**
     * A file opened for appending. Appends are serialised here: a channel write may be partial
     * and the next slice must follow it directly. Sync is fdatasync: the size grows with the data,
     * and that is all the metadata a reader needs.
     */
    private final class AppendableFile implements AppendableObject {
        private final String name;
        private final Path path;
        private final FileChannel channel;
        private final Object fileKey;
        private long size;

        AppendableFile(String name, Path path, FileChannel channel, Object fileKey) {
            this.name = name;
            this.path = path;
            this.channel = channel;
            this.fileKey = fileKey;
        }

        @Override
        public synchronized void append(byte[] data) {
            faults.before(StoreFaults.Call.PUT, name);
            try {
                for (int at = 0; at < data.length; ) {
                    ByteBuffer slice = ByteBuffer.wrap(data, at, Math.min(IO_SLICE, data.length - at));
                    while (slice.hasRemaining()) {
                        channel.write(slice);
                    }
                    at = slice.position();
                }
                size += data.length;
            } catch (IOException e) {
                throw new StoreException("cannot append to " + name + " in " + location() + ": " + describe(e), e);
            }
            stats.put(data.length);
        }

        /**
         * Makes the appends durable, then checks that the file is still this object in the
         * repository: bytes appended to a file that was moved or deleted meanwhile (a repository
         * directory moved away, a mount replaced) are durable somewhere, but not in the repository,
         * and must not be reported as stored. One stat per sync.
         */
        @Override
        public void sync() {
            try {
                channel.force(false);
                if (!fileKey.equals(fileKey(path))) {
                    throw new StoreException(name + " in " + location() + " was replaced while being appended to");
                }
            } catch (NoSuchFileException e) {
                throw new StoreException(name + " in " + location() + " was removed while being appended to", e);
            } catch (IOException e) {
                throw new StoreException("cannot sync " + name + " in " + location() + ": " + describe(e), e);
            }
        }

        @Override
        public synchronized long size() {
            return size;
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /** The file system's identity of a file (device and inode), not following links. */
    private static Object fileKey(Path path) throws IOException {
        Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        return key == null ? path : key;
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing was pending: every append that matters was synced before it was reported
        }
    }

    /**
     * Largest slice handed to one channel read or write. The JDK copies a heap buffer through a
     * temporary direct buffer as large as the call and keeps one per thread: whole 16 MiB packs
     * and 64 MiB restore ranges left ~50 MiB of them off-heap in every backup (NMT "Other").
     */
    static final int IO_SLICE = 256 * 1024;

    /** Writes and fsyncs the bytes under a temporary name next to {@code target}; returns that name. */
    private Path writeTemporary(Path target, byte[] data, int offset, int length) throws IOException {
        Path temp = temporaryName(target);
        createDirectories(target.getParent());
        try (FileChannel out = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileMode)) {
            writeSlices(out, 0, data, offset, length);
            out.force(true);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw e;
        }
        return temp;
    }

    private static Path temporaryName(Path target) {
        byte[] suffix = new byte[8];
        RANDOM.nextBytes(suffix);
        return target.getParent().resolve(TEMP_PREFIX + target.getFileName() + "-" + HexFormat.of().formatHex(suffix));
    }

    /** Positional reads in {@link #IO_SLICE}s into {@code into[0, length)}; returns how many bytes there were (fewer only at the end). */
    static int readSlices(FileChannel in, long position, byte[] into, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(ByteBuffer.wrap(into, done, Math.min(IO_SLICE, length - done)), position + done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** Positional writes in {@link #IO_SLICE}s (the JDK's temporary direct buffer is as large as one call). */
    static void writeSlices(FileChannel out, long position, byte[] data, int offset, int length) throws IOException {
        for (int at = offset, end = offset + length; at < end; ) {
            ByteBuffer slice = ByteBuffer.wrap(data, at, Math.min(IO_SLICE, end - at));
            while (slice.hasRemaining()) {
                out.write(slice, position + (slice.position() - offset));
            }
            at = slice.position();
        }
    }

    @Override
    public byte[] get(String name) {
        faults.before(StoreFaults.Call.GET, name);
        try {
            byte[] bytes = Files.readAllBytes(resolve(name));
            stats.get(bytes.length);
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(location(), name);
        } catch (IOException e) {
            throw new StoreException("cannot read " + name + " in " + location() + ": " + describe(e), e);
        }
    }

    @Override
    public byte[] getRange(String name, long offset, int length) {
        byte[] bytes = new byte[length];
        getRange(name, offset, length, bytes);
        return bytes;
    }

    @Override
    public void getRange(String name, long offset, int length, byte[] bytes) {
        faults.before(StoreFaults.Call.GET, name);
        try (FileChannel in = FileChannel.open(resolve(name), StandardOpenOption.READ)) {
            if (readSlices(in, offset, bytes, length) < length) {
                throw new StoreException("object " + name + " in " + location() + " is truncated: wanted "
                        + length + " bytes at offset " + offset + ", it has " + in.size());
            }
            stats.get(length);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(location(), name);
        } catch (IOException e) {
            throw new StoreException("cannot read " + name + " in " + location() + ": " + describe(e), e);
        }
    }

    @Override
    public long size(String name) {
        faults.before(StoreFaults.Call.HEAD, name);
        stats.head();
        try {
            return Files.size(resolve(name));
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(location(), name);
        } catch (IOException e) {
            throw new StoreException("cannot stat " + name + " in " + location() + ": " + describe(e), e);
        }
    }

    @Override
    public boolean exists(String name) {
        faults.before(StoreFaults.Call.HEAD, name);
        stats.head();
        return Files.exists(resolve(name));
    }

    @Override
    public List<String> list(String prefix) {
        faults.before(StoreFaults.Call.LIST, prefix);
        stats.list();
        List<String> names = new ArrayList<>();
        Path start = resolve(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        if (!Files.isDirectory(start)) {
            return names;
        }
        collect(start, names);
        return names;
    }

    private void collect(Path dir, List<String> names) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    continue;
                }
                if (Files.isDirectory(entry)) {
                    collect(entry, names);
                } else {
                    names.add(root.relativize(entry).toString());
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list " + root.relativize(dir) + " in " + location() + ": " + describe(e), e);
        }
    }

    @Override
    public void delete(String name) {
        faults.before(StoreFaults.Call.DELETE, name);
        stats.delete();
        try {
            Files.deleteIfExists(resolve(name));
        } catch (IOException e) {
            throw new StoreException("cannot delete " + name + " in " + location() + ": " + describe(e), e);
        }
    }

    /**
     * Temporary files left by interrupted writes, for cleanup — and those of writes still going on
     * (a backup's staged packs), which may vanish while the tree is walked: those are skipped.
     */
    public List<Path> leftoverTemporaryFiles() {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                    if (file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                        found.add(file);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return java.nio.file.FileVisitResult.CONTINUE;   // published or discarded meanwhile
                    }
                    throw e;
                }
            });
        } catch (NoSuchFileException e) {
            return found;   // no repository directory (yet): nothing left over
        } catch (IOException e) {
            throw new StoreException("cannot scan " + location() + " for temporary files: " + describe(e), e);
        }
        return found;
    }

    @Override
    public StoreStats stats() {
        return stats;
    }

    /** Like Files.createDirectories, but each directory it creates gets this store's mode (the umask can only narrow it). */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (dir.equals(root) || parent == null) {
            if (parent != null) {
                Files.createDirectories(parent);   // above the repository: not ours to restrict
            }
        } else {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, dirMode);
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) {
                throw raced;
            }
        }
    }

    private Path resolve(String name) {
        if (name.startsWith("/") || name.contains("..") || name.contains("\\")) {
            throw new IllegalArgumentException("invalid object name: " + name);
        }
        return root.resolve(name);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The original error is what the operator needs; a leftover temp file is harmless.
        }
    }

    /** IOException messages from NIO are often just a path; add the exception type when so. */
    static String describe(IOException e) {
        String message = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file " + message;
        }
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        if (e.getClass() != IOException.class && !message.contains(" ")) {
            return e.getClass().getSimpleName() + " " + message;
        }
        return message;
    }
}
