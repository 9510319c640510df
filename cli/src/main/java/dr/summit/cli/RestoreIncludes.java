package dr.summit.cli;

import dr.summit.files.select.RestoreSelection;

import java.util.ArrayList;
import java.util.List;

/**
 * Hands a {@link RestoreSelection} to the Restorer in the form its include list reads today: a plain
 * string is a path prefix (the entry and everything below), a string with glob characters is a
 * java.nio glob matched against the whole path. So a subtree is its path, with glob characters
 * escaped (and then {@code /**} for what is below); a directory alone is an exact glob
 * ({@code {,}} makes a plain path a glob that matches only itself).
 *
 * <p>Until the Restorer takes a selection predicate directly (its include handling is being
 * reworked in another branch), this keeps restore on one matcher without editing it.
 */
final class RestoreIncludes {

    private RestoreIncludes() {
    }

    static List<String> of(List<RestoreSelection.Selected> selection) {
        List<String> out = new ArrayList<>();
        for (RestoreSelection.Selected s : selection) {
            // The Restorer reads a string as a glob exactly when it holds one of * ? [ {.
            boolean readAsGlob = s.path().matches("(?s).*[*?\\[{].*");
            if (s.subtree() && !readAsGlob) {
                out.add(s.path());
            } else if (s.subtree()) {
                out.add(escape(s.path()));
                out.add(escape(s.path()) + "/**");
            } else {
                out.add(escape(s.path()) + "{,}");
            }
        }
        return out;
    }

    private static String escape(String path) {
        StringBuilder b = new StringBuilder(path.length());
        for (char c : path.toCharArray()) {
            if ("*?[]{}\\,".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
