package dr.summit.files.select;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Restore's {@code --include}/{@code --exclude} applied to a snapshot's tree with the same patterns
 * as backup's excludes. Each entry is matched in two forms, so that operators can write either:
 * its path in the snapshot ({@code /data/reports/q1}, the root directory named after the backed-up
 * path's base name) and the original absolute path it was backed up from ({@code /srv/data/reports/q1}).
 *
 * <p>Fed the tree's entries in walk order (depth first, parents before children), it says whether
 * to descend and collects the selection as few paths as possible: a directory whose whole subtree
 * is selected is one {@link Selected#subtree() subtree} entry. It also records which include
 * patterns matched nothing, since a restore that silently restores nothing surprises.
 */
public final class RestoreSelection {

    /**
     * One selected path of the tree (relative, no leading slash).
     *
     * @param path    the entry's path in the snapshot
     * @param subtree true: the entry and everything below it; false: the directory entry alone
     */
    public record Selected(String path, boolean subtree) {
    }

    private final PathPatterns includes;
    private final PathPatterns excludes;
    private final Map<String, String> originals = new HashMap<>();
    private final Set<PathPattern> unmatched = new LinkedHashSet<>();
    private final Deque<Frame> open = new ArrayDeque<>();
    private final Frame root = new Frame("", true);

    /**
     * @param snapshotPaths the snapshot's backed-up absolute paths, whose base names are its root entries
     */
    public RestoreSelection(PathPatterns includes, PathPatterns excludes, List<String> snapshotPaths) {
        this.includes = includes;
        this.excludes = excludes;
        for (String p : snapshotPaths) {
            Path name = Path.of(p).getFileName();
            originals.put(name == null ? "root" : name.toString(), p);
        }
        includes.patterns().stream().filter(p -> !p.negated()).forEach(unmatched::add);
    }

    /**
     * Visits one entry; returns whether a walk must descend into it (meaningful for directories).
     *
     * @param path      the entry's path in the snapshot, relative ({@code data/reports/q1})
     * @param directory whether it is a directory
     */
    public boolean visit(String path, boolean directory) {
        while (!open.isEmpty() && !path.startsWith(open.peek().path + "/")) {
            close(open.pop());
        }
        Frame parent = open.isEmpty() ? root : open.peek();
        List<String> forms = forms(path);
        for (var it = unmatched.iterator(); it.hasNext(); ) {
            PathPattern p = it.next();
            if (forms.stream().anyMatch(p::matches)) {
                it.remove();
            }
        }
        boolean excluded = forms.stream().anyMatch(excludes::matches);
        boolean selected = !excluded && (includes.isEmpty() || forms.stream().anyMatch(includes::matches));
        boolean descend = directory && !excluded && (selected || forms.stream().anyMatch(includes::couldMatchBelow));
        if (descend) {
            open.push(new Frame(path, selected));
        } else if (selected) {
            parent.selections.add(new Selected(path, true));
        } else {
            parent.full = false;
        }
        return descend;
    }

    /** Ends the walk; returns the selection, in walk order. */
    public List<Selected> finish() {
        while (!open.isEmpty()) {
            close(open.pop());
        }
        return List.copyOf(root.selections);
    }

    /** The include patterns that matched no entry (after {@link #finish}). */
    public List<String> unmatchedIncludes() {
        return unmatched.stream().map(PathPattern::text).toList();
    }

    /** The entry as the snapshot shows it and as the path it was backed up from. */
    List<String> forms(String path) {
        String tree = "/" + path;
        int slash = path.indexOf('/');
        String original = originals.get(slash < 0 ? path : path.substring(0, slash));
        if (original == null) {
            return List.of(tree);
        }
        String absolute = slash < 0 ? original : (original.equals("/") ? "" : original) + path.substring(slash);
        return absolute.equals(tree) ? List.of(tree) : List.of(tree, absolute);
    }

    private void close(Frame frame) {
        Frame parent = open.isEmpty() ? root : open.peek();
        if (frame.selected && frame.full) {
            parent.selections.add(new Selected(frame.path, true));
            return;
        }
        parent.full = false;
        if (frame.selected) {
            parent.selections.add(new Selected(frame.path, false));
        }
        parent.selections.addAll(frame.selections);
    }

    private static final class Frame {
        final String path;
        final boolean selected;
        boolean full;
        final List<Selected> selections = new ArrayList<>();

        Frame(String path, boolean selected) {
            this.path = path;
            this.selected = selected;
            this.full = selected;
        }
    }
}
