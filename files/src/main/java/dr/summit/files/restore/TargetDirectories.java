package dr.summit.files.restore;

import dr.summit.files.fs.RawPaths;
import dr.summit.repository.RepositoryException;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directories of a restore target, each opened from its parent without following symlinks,
 * starting from the target root opened once. Handles are shared and counted: a file being restored
 * holds its directory open until it is renamed into place; released handles stay cached (a few
 * dozen) for the next entries, and older ones are closed.
 *
 * <p>Every directory the restore creates is remembered by device and inode; opening one again
 * checks that it is still the same directory, so one swapped for a symlink or another directory
 * during the restore fails loudly ({@link DirectoryReplacedException}) instead of being written
 * through. New directories are created 0700 (their own mode is set at the end), so other users
 * cannot swap anything below the target root.
 */
final class TargetDirectories implements Closeable {
    /** Released handles kept open for the entries that come next in the walk. */
    private static final int IDLE_KEPT = 64;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path target;
    private final OpenDirectory root;
    private final int ownUid;
    private final int maxInUse = maxInUse();
    private final Map<String, OpenDirectory> open = new HashMap<>();
    /** Released handles, least recently released first. */
    private final LinkedHashMap<String, OpenDirectory> idle = new LinkedHashMap<>();
    /** Device and inode of every directory this restore created. */
    private final Map<String, Object> created = new HashMap<>();
    private int inUse;

    private TargetDirectories(Path target, OpenDirectory root, int ownUid) {
        this.target = target;
        this.root = root;
        this.ownUid = ownUid;
        root.refs = 1;   // held by this object until close
        open.put(root.key, root);
        created.put(root.key, root.identity);
    }

    /** Opens the target root (an existing directory; symlinks in the path the user gave are followed) and checks it is empty. */
    static TargetDirectories open(Path target, int ownUid) {
        String unavailable = OpenDirectory.unavailableReason();
        if (unavailable != null) {
            throw new RepositoryException("cannot restore into " + target + " without following symlinks: " + unavailable);
        }
        DirectoryStream<Path> stream = null;
        try {
            stream = Files.newDirectoryStream(target);
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                throw new RepositoryException("cannot restore into " + target
                        + " without following symlinks: this file system offers no SecureDirectoryStream");
            }
            // Checked on the opened handle, not the path: the directory we write into is the one found empty.
            if (secure.iterator().hasNext()) {
                throw new RepositoryException("restore target " + target + " is not empty; restore into an empty or new directory");
            }
            Object identity = secure.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            return new TargetDirectories(target, new OpenDirectory("", target, secure, identity), ownUid);
        } catch (IOException e) {
            closeQuietly(stream);
            throw new RepositoryException("cannot open restore target " + target + ": " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(stream);
            throw e;
        }
    }

    static String key(byte[] relativePath) {
        return new String(relativePath, StandardCharsets.ISO_8859_1);
    }

    static String parentKey(String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    /** The last element of {@code key}, as a one-element relative path with the exact bytes. */
    static Path name(String key) {
        return RawPaths.fromBytes(key.substring(key.lastIndexOf('/') + 1).getBytes(StandardCharsets.ISO_8859_1));
    }

    Path display(String key) {
        return key.isEmpty() ? target : target.resolve(RawPaths.fromBytes(key.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /**
     * Creates directory {@code key} (mode 0700) in its parent, which the caller holds. An entry of
     * that name already there was put by someone else while we run (the target started empty).
     */
    void create(OpenDirectory parent, String key) throws IOException {
        try {
            Files.createDirectory(parent.pinned(name(key)), OWNER_ONLY);
        } catch (FileAlreadyExistsException e) {
            throw new DirectoryReplacedException(display(key) + ": an entry of this name appeared during the restore; not written through");
        }
    }

    /**
     * Opens directory {@code key}, just {@linkplain #create created}, and remembers it: it must be a
     * directory (not a symlink) owned by this process's user, or someone swapped it in.
     */
    synchronized OpenDirectory adopt(String key) throws IOException {
        OpenDirectory dir = openFromParent(key, null);
        try {
            int uid = (Integer) Files.getAttribute(dir.self(), "unix:uid");
            if (ownUid >= 0 && uid != ownUid) {
                throw new DirectoryReplacedException(display(key) + ": replaced during the restore by a directory of uid "
                        + uid + "; not written through");
            }
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
        created.put(key, dir.identity);
        register(dir);
        return dir;
    }

    /** Returns directory {@code key} open and held; {@link #release} it when done. */
    synchronized OpenDirectory acquire(String key) throws IOException {
        OpenDirectory dir = open.get(key);
        if (dir != null) {
            if (dir.refs++ == 0) {
                idle.remove(key);
                inUse++;
            }
            return dir;
        }
        Object expected = created.get(key);
        if (expected == null) {
            throw new NoSuchFileException(display(key).toString(), null, "not created by this restore");
        }
        dir = openFromParent(key, expected);
        register(dir);
        return dir;
    }

    synchronized void release(OpenDirectory dir) {
        if (dir == null || --dir.refs > 0) {
            return;
        }
        inUse--;
        idle.put(dir.key, dir);
        if (idle.size() > IDLE_KEPT) {
            Iterator<OpenDirectory> eldest = idle.values().iterator();
            OpenDirectory evicted = eldest.next();
            eldest.remove();
            open.remove(evicted.key);
            closeQuietly(evicted);
        }
    }

    /**
     * Checks that {@code dir}'s name in its parent still leads to {@code dir}: a directory renamed
     * away and replaced (by a symlink or anything else) after it was opened was written into where
     * it went, not through the replacement, but its entries are not where the operator looks.
     */
    synchronized void checkInPlace(OpenDirectory dir) throws IOException {
        if (dir.key.isEmpty()) {
            return;
        }
        Path name = name(dir.key);
        OpenDirectory parent = acquire(parentKey(dir.key));
        try {
            BasicFileAttributes now;
            try {
                now = parent.stream.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .readAttributes();
            } catch (NoSuchFileException e) {
                throw new DirectoryReplacedException(dir.display + ": removed or renamed during the restore; what was restored into it is not there");
            }
            if (!dir.identity.equals(now.fileKey())) {
                throw new DirectoryReplacedException(dir.display + ": replaced by "
                        + (now.isSymbolicLink() ? "a symbolic link" : now.isDirectory() ? "another directory" : "a file")
                        + " during the restore; not followed, and what was restored into it is not there");
            }
        } finally {
            release(parent);
        }
    }

    Object rootIdentity() {
        return root.identity;
    }

    /**
     * True when so many directories are held that the current batch should run before more are
     * opened: each costs two descriptors (the JDK dups one for the listing) and a listing buffer.
     */
    synchronized boolean crowded() {
        return inUse >= maxInUse;
    }

    private void register(OpenDirectory dir) {
        dir.refs = 1;
        inUse++;
        open.put(dir.key, dir);
    }

    /** Opens {@code key} from its (held) parent with NOFOLLOW_LINKS; {@code expected} null = first open after creating it. */
    private OpenDirectory openFromParent(String key, Object expected) throws IOException {
        Path name = name(key);
        OpenDirectory parent = acquire(parentKey(key));
        try {
            SecureDirectoryStream<Path> stream;
            try {
                stream = parent.stream.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                throw new DirectoryReplacedException(display(key) + ": removed or renamed during the restore");
            } catch (NotDirectoryException e) {
                throw new DirectoryReplacedException(display(key) + ": replaced by a file during the restore; not written through");
            } catch (FileSystemException e) {
                if (isSymlink(parent, name)) {
                    throw new DirectoryReplacedException(display(key)
                            + ": replaced by a symbolic link during the restore; not followed, nothing written through it");
                }
                throw e;
            }
            Object identity;
            try {
                identity = stream.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            } catch (IOException | RuntimeException e) {
                stream.close();
                throw e;
            }
            if (expected != null && !expected.equals(identity)) {
                stream.close();
                throw new DirectoryReplacedException(display(key) + ": replaced by another directory during the restore; not written through");
            }
            return new OpenDirectory(key, display(key), stream, identity);
        } finally {
            release(parent);
        }
    }

    private static boolean isSymlink(OpenDirectory parent, Path name) {
        try {
            BasicFileAttributes a = parent.stream.getFileAttributeView(name, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            return a.isSymbolicLink();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        List<OpenDirectory> all = new ArrayList<>(open.values());
        open.clear();
        idle.clear();
        for (OpenDirectory dir : all) {
            closeQuietly(dir);
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // Closing a directory we only read or created in: nothing is lost.
        }
    }

    /** Held directories before a batch runs: an eighth of the descriptor limit (two each), within [32, 1024]. */
    private static int maxInUse() {
        long limit = 4096;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            limit = unix.getMaxFileDescriptorCount();
        }
        return (int) Math.max(32, Math.min(1024, limit / 8));
    }
}
