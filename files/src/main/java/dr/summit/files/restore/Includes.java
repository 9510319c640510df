package dr.summit.files.restore;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/** Include patterns: a glob ("**.txt") or a path prefix ("docs/reports"). */
final class Includes {
    private final List<String> prefixes = new ArrayList<>();
    private final List<PathMatcher> globs = new ArrayList<>();

    Includes(List<String> patterns) {
        for (String p : patterns) {
            String clean = p.replaceAll("^/+", "").replaceAll("/+$", "");
            if (clean.matches(".*[*?\\[{].*")) {
                globs.add(FileSystems.getDefault().getPathMatcher("glob:" + clean));
            } else {
                prefixes.add(clean);
            }
        }
    }

    boolean selects(String path) {
        if (prefixes.isEmpty() && globs.isEmpty()) {
            return true;
        }
        for (String p : prefixes) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        for (PathMatcher g : globs) {
            if (g.matches(Path.of(path))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a directory might contain selected entries, so the walk must descend. */
    boolean mayContain(String dir) {
        if (!globs.isEmpty()) {
            return true;
        }
        for (String p : prefixes) {
            if (p.startsWith(dir + "/")) {
                return true;
            }
        }
        return false;
    }
}
