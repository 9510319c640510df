package dr.summit.files.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PathPatternTest {

    private static boolean matches(String pattern, String path) {
        return PathPattern.parse(pattern, false).matches(path);
    }

    @Test
    void unanchoredPatternsMatchAtAnyDepth() {
        assertThat(matches("*.log", "/var/log/syslog.log")).isTrue();
        assertThat(matches("*.log", "/var/log/syslog.log.1")).isFalse();
        assertThat(matches("cache", "/home/a/cache")).isTrue();
        assertThat(matches("cache", "/home/a/cache/x/y")).as("everything below a matched directory").isTrue();
        assertThat(matches("a/cache", "/home/a/cache/x")).isTrue();
        assertThat(matches("a/cache", "/home/b/cache/x")).isFalse();
        assertThat(matches("cache", "/home/a/caches")).isFalse();
    }

    @Test
    void aLeadingSlashAnchorsAtTheRoot() {
        assertThat(matches("/home/a", "/home/a/x")).isTrue();
        assertThat(matches("/a", "/home/a")).isFalse();
        assertThat(matches("/home/*/cache", "/home/bob/cache/f")).isTrue();
        assertThat(matches("/home/*/cache", "/home/bob/x/cache")).isFalse();
    }

    @Test
    void doubleStarSpansZeroOrMoreComponents() {
        assertThat(matches("/home/**/cache", "/home/cache")).isTrue();
        assertThat(matches("/home/**/cache", "/home/a/b/c/cache")).isTrue();
        assertThat(matches("/home/**/cache", "/srv/home/a/cache")).isFalse();
        assertThat(matches("/srv/**", "/srv")).isTrue();
        assertThat(matches("**/*.tmp", "/a/b.tmp")).isTrue();
    }

    @Test
    void componentGlobs() {
        assertThat(matches("file?.txt", "/d/file1.txt")).isTrue();
        assertThat(matches("file?.txt", "/d/file10.txt")).isFalse();
        assertThat(matches("[abc]*.bin", "/d/b1.bin")).isTrue();
        assertThat(matches("[abc]*.bin", "/d/d1.bin")).isFalse();
        assertThat(matches("[^abc]*.bin", "/d/d1.bin")).isTrue();
        assertThat(matches("[a-c]x", "/d/bx")).isTrue();
        assertThat(matches("\\*literal", "/d/*literal")).isTrue();
        assertThat(matches("\\*literal", "/d/xliteral")).isFalse();
        assertThat(matches("*", "/anything/at/all")).isTrue();
    }

    @Test
    void relativePathsAreTakenAsBelowTheRoot() {
        assertThat(matches("/data/reports", "data/reports/q1")).isTrue();
        assertThat(matches("reports", "data/reports")).isTrue();
    }

    @Test
    void ignoreCase() {
        assertThat(PathPattern.parse("*.JPG", true).matches("/p/Holiday.jpg")).isTrue();
        assertThat(PathPattern.parse("*.JPG", false).matches("/p/Holiday.jpg")).isFalse();
    }

    @Test
    void badPatternsAreRefusedByName() {
        for (String bad : List.of("", "/", "!", "//", "a[bc")) {
            assertThatThrownBy(() -> PathPattern.parse(bad, false)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void theLastMatchingPatternDecides() {
        PathPatterns p = PathPatterns.parse(List.of("*.log", "!keep.log", "/var/keep.log/x"), false);
        assertThat(p.matches("/var/a.log")).isTrue();
        assertThat(p.matches("/var/keep.log")).isFalse();
        assertThat(p.matches("/var/keep.log/x")).isTrue();
        assertThat(p.matches("/var/a.txt")).isFalse();
        assertThat(PathPatterns.NONE.matches("/x")).isFalse();
    }

    /** Seeded random patterns and paths against a regular-expression reading of the documented rules. */
    @Test
    void agreesWithAReferenceInterpretationOnRandomPatternsAndPaths() {
        Random random = new Random(1);
        int matched = 0;
        for (int round = 0; round < 30_000; round++) {
            String pattern = randomPattern(random);
            String path = randomPath(random);
            boolean expected = reference(pattern).matcher(path).matches();
            assertThat(matches(pattern, path)).as("%s vs %s", pattern, path).isEqualTo(expected);
            matched += expected ? 1 : 0;
        }
        assertThat(matched).as("the random cases exercise both outcomes").isBetween(3_000, 27_000);
    }

    /** couldMatchBelow never misses: if some path below a directory matches, the walk is told to descend. */
    @Test
    void couldMatchBelowNeverMissesADescendantThatMatches() {
        Random random = new Random(2);
        for (int round = 0; round < 30_000; round++) {
            PathPattern pattern = PathPattern.parse(randomPattern(random), false);
            String path = randomPath(random);
            if (!pattern.matches(path)) {
                continue;
            }
            String[] parts = path.substring(1).split("/");
            StringBuilder dir = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                dir.append('/').append(parts[i]);
                if (!pattern.matches(dir.toString())) {
                    assertThat(pattern.couldMatchBelow(dir.toString())).as("%s below %s", pattern, dir).isTrue();
                }
            }
        }
    }

    private static final String[] NAMES = {"a", "b", "ab", "ba", "x.log", "y.log", "cache"};
    private static final String[] PARTS = {"a", "b", "*", "?", "a*", "*b", "*.log", "**", "cache", "?a", "x.*"};

    private static String randomPattern(Random random) {
        List<String> parts = new ArrayList<>();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            parts.add(PARTS[random.nextInt(PARTS.length)]);
        }
        return (random.nextBoolean() ? "/" : "") + String.join("/", parts);
    }

    private static String randomPath(Random random) {
        StringBuilder path = new StringBuilder();
        int n = 1 + random.nextInt(5);
        for (int i = 0; i < n; i++) {
            path.append('/').append(NAMES[random.nextInt(NAMES.length)]);
        }
        return path.toString();
    }

    /** The documented rules as one regular expression over "/c1/c2/…/cn". */
    private static Pattern reference(String pattern) {
        boolean anchored = pattern.startsWith("/");
        StringBuilder re = new StringBuilder(anchored ? "" : "(?:/[^/]+)*");
        for (String part : pattern.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals("**")) {
                re.append("(?:/[^/]+)*");
                continue;
            }
            re.append('/');
            for (char c : part.toCharArray()) {
                re.append(switch (c) {
                    case '*' -> "[^/]*";
                    case '?' -> "[^/]";
                    default -> Pattern.quote(String.valueOf(c));
                });
            }
        }
        return Pattern.compile(re + "(?:/.*)?");
    }
}
