package dr.summit.files.select;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One pattern as restic documents them for {@code --exclude} and restore's {@code --include}:
 * <ul>
 *   <li>components separated by {@code /}; within one, {@code *} matches any run of characters,
 *       {@code ?} one character, {@code [abc]}/{@code [a-z]}/{@code [^a-z]} a class, {@code \} escapes;
 *   <li>{@code **} as a whole component matches zero or more components;
 *   <li>a leading {@code /} anchors the pattern at the root; otherwise it may match at any depth
 *       ({@code *.log} matches {@code /var/log/x.log});
 *   <li>a pattern that matches a directory matches everything below it;
 *   <li>a leading {@code !} negates: in a {@link PathPatterns} list the last matching pattern decides.
 * </ul>
 *
 * @param text       the pattern as given
 * @param negated    whether it started with {@code !}
 * @param anchored   whether it started with {@code /}
 * @param ignoreCase whether case is ignored ({@code --iexclude})
 * @param parts      its components, never empty
 */
public record PathPattern(String text, boolean negated, boolean anchored, boolean ignoreCase, List<String> parts) {

    public PathPattern {
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("empty pattern '" + text + "'");
        }
    }

    /**
     * Parses a pattern.
     *
     * @throws IllegalArgumentException if it has no component (e.g. {@code ""}, {@code "/"}, {@code "!"})
     *                                  or an unterminated class
     */
    public static PathPattern parse(String text, boolean ignoreCase) {
        String body = text;
        boolean negated = body.startsWith("!");
        if (negated) {
            body = body.substring(1);
        }
        boolean anchored = body.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String part : body.split("/")) {
            if (!part.isEmpty()) {
                parts.add(ignoreCase ? part.toLowerCase(Locale.ROOT) : part);
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("empty pattern '" + text + "'");
        }
        for (String part : parts) {
            Glob.check(part, text);
        }
        return new PathPattern(text, negated, anchored, ignoreCase, parts);
    }

    /**
     * Whether this pattern matches {@code path}, an absolute path ({@code /srv/data/x}) or a relative
     * one (taken as below the root). Negation is not applied here.
     */
    public boolean matches(String path) {
        String[] components = Arrays.stream((ignoreCase ? path.toLowerCase(Locale.ROOT) : path).split("/"))
                .filter(c -> !c.isEmpty()).toArray(String[]::new);
        if (components.length == 0) {
            return false;
        }
        Boolean[][] memo = new Boolean[parts.size() + 1][components.length + 1];
        if (anchored) {
            return matchFrom(0, components, 0, memo);
        }
        for (int start = 0; start < components.length; start++) {
            if (matchFrom(0, components, start, memo)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether something below directory {@code dir} could match, so that a walk selecting with this
     * pattern must descend into it.
     */
    public boolean couldMatchBelow(String dir) {
        if (!anchored) {
            return true;
        }
        String[] components = Arrays.stream((ignoreCase ? dir.toLowerCase(Locale.ROOT) : dir).split("/"))
                .filter(c -> !c.isEmpty()).toArray(String[]::new);
        return prefixFrom(0, components, 0);
    }

    /** Whether parts[p..] can match components[c..] followed by at least one more component. */
    private boolean prefixFrom(int p, String[] components, int c) {
        if (c == components.length) {
            return p < parts.size();
        }
        if (p == parts.size()) {
            return false; // the directory itself (or a parent) matches: handled by matches()
        }
        if (parts.get(p).equals("**")) {
            return true;
        }
        return Glob.matches(parts.get(p), components[c]) && prefixFrom(p + 1, components, c + 1);
    }

    private boolean matchFrom(int p, String[] components, int c, Boolean[][] memo) {
        if (memo[p][c] != null) {
            return memo[p][c];
        }
        boolean result;
        if (p == parts.size()) {
            result = true; // the pattern matched this path or one of its parents
        } else if (parts.get(p).equals("**")) {
            result = matchFrom(p + 1, components, c, memo) || c < components.length && matchFrom(p, components, c + 1, memo);
        } else {
            result = c < components.length && Glob.matches(parts.get(p), components[c]) && matchFrom(p + 1, components, c + 1, memo);
        }
        memo[p][c] = result;
        return result;
    }

    @Override
    public String toString() {
        return text;
    }
}
