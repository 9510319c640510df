package dr.summit.files.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RestoreSelectionTest {

    /** A tree entry: relative path and whether it is a directory. Listed depth first, parents first. */
    private record Entry(String path, boolean directory) {
    }

    private static final List<Entry> TREE = List.of(
            new Entry("data", true), new Entry("data/reports", true), new Entry("data/reports/q1.bin", false),
            new Entry("data/reports/q2.bin", false), new Entry("data/readme.md", false), new Entry("etc", true),
            new Entry("etc/hosts", false));

    private static List<RestoreSelection.Selected> walk(RestoreSelection selection, List<Entry> tree) {
        // Simulate a depth-first walk that skips the children of directories it is told not to enter.
        String skipping = null;
        for (Entry e : tree) {
            if (skipping != null && e.path().startsWith(skipping + "/")) {
                continue;
            }
            skipping = null;
            if (!selection.visit(e.path(), e.directory()) && e.directory()) {
                skipping = e.path();
            }
        }
        return selection.finish();
    }

    private static RestoreSelection selection(List<String> includes, List<String> excludes) {
        return new RestoreSelection(PathPatterns.parse(includes, false), PathPatterns.parse(excludes, false),
                List.of("/srv/data", "/etc"));
    }

    @Test
    void absoluteAndSnapshotPathsBothSelect() {
        for (String include : List.of("/srv/data/reports", "/data/reports", "data/reports", "reports")) {
            RestoreSelection s = selection(List.of(include), List.of());
            assertThat(walk(s, TREE)).as(include).containsExactly(new RestoreSelection.Selected("data/reports", true));
            assertThat(s.unmatchedIncludes()).isEmpty();
        }
    }

    @Test
    void anExcludeInsideAnIncludedDirectoryKeepsTheRest() {
        RestoreSelection s = selection(List.of("/srv/data"), List.of("q2.bin"));
        assertThat(walk(s, TREE)).containsExactly(new RestoreSelection.Selected("data", false),
                new RestoreSelection.Selected("data/reports", false), new RestoreSelection.Selected("data/reports/q1.bin", true),
                new RestoreSelection.Selected("data/readme.md", true));
    }

    @Test
    void anIncludeThatMatchesNothingIsReported() {
        RestoreSelection s = selection(List.of("/srv/data/reports", "/srv/nothing/here"), List.of());
        walk(s, TREE);
        assertThat(s.unmatchedIncludes()).containsExactly("/srv/nothing/here");
    }

    @Test
    void noFilterSelectsEveryRootWhole() {
        assertThat(walk(selection(List.of(), List.of()), TREE)).containsExactly(
                new RestoreSelection.Selected("data", true), new RestoreSelection.Selected("etc", true));
    }

    /** Random trees and patterns: the collapsed selection covers exactly the entries the rules select. */
    @Test
    void selectionMatchesAReferenceOnRandomTrees() {
        Random random = new Random(3);
        String[] names = {"a", "b", "c.log", "d.md"};
        String[] parts = {"a", "b", "*.log", "*.md", "**", "*", "srv", "data"};
        for (int round = 0; round < 3_000; round++) {
            List<Entry> tree = new ArrayList<>();
            randomTree(random, "data", 0, tree, names);
            List<String> includes = randomPatterns(random, parts, random.nextInt(3), false);
            List<String> excludes = randomPatterns(random, parts, random.nextInt(3), true);
            RestoreSelection s = selection(includes, excludes);
            Set<String> actual = new TreeSet<>();
            for (RestoreSelection.Selected sel : walk(s, tree)) {
                for (Entry e : tree) {
                    if (e.path().equals(sel.path()) || sel.subtree() && e.path().startsWith(sel.path() + "/")) {
                        assertThat(actual.add(e.path())).as("selected once: %s", e.path()).isTrue();
                    }
                }
            }
            PathPatterns in = PathPatterns.parse(includes, false);
            PathPatterns ex = PathPatterns.parse(excludes, false);
            Set<String> expected = new TreeSet<>();
            for (Entry e : tree) {
                boolean excluded = false;
                for (String p = e.path(); p != null; p = p.contains("/") ? p.substring(0, p.lastIndexOf('/')) : null) {
                    excluded |= ex.matches("/" + p) || ex.matches("/srv/" + p);
                }
                boolean included = in.isEmpty() || in.matches("/" + e.path()) || in.matches("/srv/" + e.path());
                if (!excluded && included) {
                    expected.add(e.path());
                }
            }
            assertThat(actual).as("includes %s excludes %s tree %s", includes, excludes, tree).isEqualTo(expected);
        }
    }

    private static void randomTree(Random random, String path, int depth, List<Entry> out, String[] names) {
        boolean dir = depth == 0 || depth < 4 && random.nextInt(3) == 0;
        out.add(new Entry(path, dir));
        if (dir) {
            Set<String> children = new TreeSet<>();
            for (int i = random.nextInt(4); i > 0; i--) {
                children.add(names[random.nextInt(names.length)]);
            }
            for (String c : children) {
                randomTree(random, path + "/" + c, depth + 1, out, names);
            }
        }
    }

    private static List<String> randomPatterns(Random random, String[] parts, int n, boolean negations) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder p = new StringBuilder(negations && random.nextInt(4) == 0 ? "!" : "");
            p.append(random.nextBoolean() ? "/" : "");
            int k = 1 + random.nextInt(3);
            for (int j = 0; j < k; j++) {
                p.append(j > 0 ? "/" : "").append(parts[random.nextInt(parts.length)]);
            }
            out.add(p.toString());
        }
        return out;
    }
}
