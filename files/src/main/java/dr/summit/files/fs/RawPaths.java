package dr.summit.files.fs;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * File names as the raw bytes the kernel stores. Linux names are byte strings, not text: the JDK
 * keeps those bytes inside {@code sun.nio.fs.UnixPath} but decodes them lossily in toString().
 * We reach the bytes directly so names that are not valid UTF-8 back up and restore exactly.
 * Needs {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} (the launcher and tests pass it);
 * without it we fall back to UTF-8 and say so once.
 */
public final class RawPaths {
    private static final MethodHandle AS_BYTES;
    private static final MethodHandle FROM_BYTES;
    private static final FileSystem FS = FileSystems.getDefault();

    static {
        MethodHandle asBytes = null;
        MethodHandle fromBytes = null;
        try {
            Class<?> unixPath = Class.forName("sun.nio.fs.UnixPath");
            Class<?> unixFs = Class.forName("sun.nio.fs.UnixFileSystem");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(unixPath, MethodHandles.lookup());
            asBytes = lookup.findVirtual(unixPath, "asByteArray", MethodType.methodType(byte[].class));
            fromBytes = lookup.findConstructor(unixPath, MethodType.methodType(void.class, unixFs, byte[].class));
        } catch (ReflectiveOperationException | IllegalAccessError | SecurityException e) {
            System.err.println("warning: raw file-name bytes unavailable (" + e.getClass().getSimpleName()
                    + "); names that are not UTF-8 will not round-trip. Run with --add-opens java.base/sun.nio.fs=ALL-UNNAMED");
        }
        AS_BYTES = asBytes;
        FROM_BYTES = fromBytes;
    }

    private RawPaths() {
    }

    /** True when names are handled as raw bytes (the normal case on Linux with the launcher). */
    public static boolean exact() {
        return AS_BYTES != null;
    }

    /** The raw bytes of a path's file name (its last element). */
    public static byte[] nameBytes(Path path) {
        return bytes(path.getFileName());
    }

    /** The raw bytes of a whole path (e.g. a symlink target). */
    public static byte[] bytes(Path path) {
        if (AS_BYTES != null && path.getFileSystem() == FS) {
            try {
                return ((byte[]) AS_BYTES.invoke(path)).clone();
            } catch (Throwable e) {
                throw new IllegalStateException("cannot read raw path bytes", e);
            }
        }
        return path.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A path made of exactly these bytes. */
    public static Path fromBytes(byte[] bytes) {
        if (FROM_BYTES != null) {
            try {
                return (Path) FROM_BYTES.invoke(FS, bytes.clone());
            } catch (Throwable e) {
                throw new IllegalStateException("cannot build a path from raw bytes", e);
            }
        }
        return FS.getPath(new String(bytes, StandardCharsets.UTF_8));
    }

    /** {@code dir} / one name given as raw bytes. */
    public static Path resolve(Path dir, byte[] name) {
        return dir.resolve(fromBytes(name));
    }
}
