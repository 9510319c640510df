package dr.summit.files.select;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of {@link PathPattern}s: a path is selected when the last pattern that matches it
 * is not negated ({@code *.log} then {@code !keep.log} selects every log file but keep.log). Used for
 * backup's excludes and restore's includes and excludes alike.
 */
public final class PathPatterns {
    /** No pattern: selects nothing. */
    public static final PathPatterns NONE = new PathPatterns(List.of());

    private final List<PathPattern> patterns;

    public PathPatterns(List<PathPattern> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    /** Parses each pattern; {@code ignoreCase} for all of them. */
    public static PathPatterns parse(List<String> patterns, boolean ignoreCase) {
        return new PathPatterns(patterns.stream().map(p -> PathPattern.parse(p, ignoreCase)).toList());
    }

    /**
     * Reads patterns from a file as restic's {@code --exclude-file}: one per line, surrounding
     * blanks trimmed, empty lines and lines starting with {@code #} ignored.
     */
    public static List<String> readFile(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                out.add(trimmed);
            }
        }
        return out;
    }

    /** These patterns followed by {@code more}'s (which then win where both match). */
    public PathPatterns then(PathPatterns more) {
        List<PathPattern> all = new ArrayList<>(patterns);
        all.addAll(more.patterns);
        return new PathPatterns(all);
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    public List<PathPattern> patterns() {
        return patterns;
    }

    /** Whether the last pattern that matches {@code path} is a positive one. */
    public boolean matches(String path) {
        for (int i = patterns.size() - 1; i >= 0; i--) {
            PathPattern p = patterns.get(i);
            if (p.matches(path)) {
                return !p.negated();
            }
        }
        return false;
    }

    /** Whether an entry below directory {@code dir} could be matched by a positive pattern. */
    public boolean couldMatchBelow(String dir) {
        return patterns.stream().anyMatch(p -> !p.negated() && p.couldMatchBelow(dir));
    }

    @Override
    public String toString() {
        return patterns.toString();
    }
}
