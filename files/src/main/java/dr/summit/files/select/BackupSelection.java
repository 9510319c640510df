package dr.summit.files.select;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What a backup leaves out below its source paths, as restic's {@code backup} options: patterns
 * ({@code --exclude}, {@code --iexclude}, {@code --exclude-file}), directories holding a marker file
 * ({@code --exclude-if-present}), cache directories tagged per the Cache Directory Tagging
 * Specification ({@code --exclude-caches}), and other file systems ({@code --one-file-system}).
 * {@link #excludes} is the walk's skip test; it is given absolute paths and may stat them.
 *
 * @param patterns        paths matching these are left out (with everything below them)
 * @param ifPresent       a directory containing an entry with one of these names is left out
 * @param caches          leave out directories with a valid {@code CACHEDIR.TAG}
 * @param oneFileSystem   leave out entries on another device than their directory (mount points)
 */
public record BackupSelection(PathPatterns patterns, List<String> ifPresent, boolean caches, boolean oneFileSystem)
        implements Predicate<Path> {

    /** The start of a valid CACHEDIR.TAG (https://bford.info/cachedir/). */
    static final byte[] CACHEDIR_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55".getBytes(StandardCharsets.US_ASCII);

    /** Everything is backed up. */
    public static final BackupSelection ALL = new BackupSelection(PathPatterns.NONE, List.of(), false, false);

    public BackupSelection {
        Objects.requireNonNull(patterns, "patterns");
        ifPresent = List.copyOf(ifPresent);
    }

    public boolean isEmpty() {
        return patterns.isEmpty() && ifPresent.isEmpty() && !caches && !oneFileSystem;
    }

    /** {@link #excludes}, for the walk's skip hook. */
    @Override
    public boolean test(Path path) {
        return excludes(path);
    }

    /** Whether {@code path} (absolute) is left out, with everything below it. */
    public boolean excludes(Path path) {
        if (!patterns.isEmpty() && patterns.matches(path.toString())) {
            return true;
        }
        boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
        if (directory) {
            for (String name : ifPresent) {
                if (Files.exists(path.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    return true;
                }
            }
            if (caches && isTaggedCache(path)) {
                return true;
            }
        }
        return oneFileSystem && path.getParent() != null && !sameDevice(path, path.getParent());
    }

    static boolean isTaggedCache(Path dir) {
        Path tag = dir.resolve("CACHEDIR.TAG");
        if (!Files.isRegularFile(tag, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(tag, LinkOption.NOFOLLOW_LINKS)) {
            return Arrays.equals(in.readNBytes(CACHEDIR_SIGNATURE.length), CACHEDIR_SIGNATURE);
        } catch (IOException unreadable) {
            return false; // not provably a cache: back it up, and the walk reports what it cannot read
        }
    }

    private static boolean sameDevice(Path a, Path b) {
        try {
            return Files.getAttribute(a, "unix:dev", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(b, "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException e) {
            return true; // cannot tell: keep it, as the walk then reads or reports it
        }
    }
}
