package dr.summit.files.select;

/** Matches one path component against one pattern component: {@code *}, {@code ?}, {@code [...]}, {@code \}. */
final class Glob {

    private Glob() {
    }

    static void check(String part, String pattern) {
        for (int i = 0; i < part.length(); i++) {
            char ch = part.charAt(i);
            if (ch == '\\') {
                i++;
            } else if (ch == '[') {
                int end = classEnd(part, i);
                if (end < 0) {
                    throw new IllegalArgumentException("invalid pattern '" + pattern + "': unterminated [");
                }
                i = end;
            }
        }
    }

    static boolean matches(String glob, String name) {
        return matches(glob, 0, name, 0);
    }

    private static boolean matches(String glob, int g, String name, int n) {
        while (g < glob.length()) {
            char ch = glob.charAt(g);
            switch (ch) {
                case '*' -> {
                    while (g < glob.length() && glob.charAt(g) == '*') {
                        g++;
                    }
                    if (g == glob.length()) {
                        return true;
                    }
                    for (int k = n; k <= name.length(); k++) {
                        if (matches(glob, g, name, k)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (n == name.length()) {
                        return false;
                    }
                    g++;
                    n++;
                }
                case '[' -> {
                    int end = classEnd(glob, g);
                    if (n == name.length() || !inClass(glob.substring(g + 1, end), name.charAt(n))) {
                        return false;
                    }
                    g = end + 1;
                    n++;
                }
                default -> {
                    if (ch == '\\' && g + 1 < glob.length()) {
                        g++;
                        ch = glob.charAt(g);
                    }
                    if (n == name.length() || name.charAt(n) != ch) {
                        return false;
                    }
                    g++;
                    n++;
                }
            }
        }
        return n == name.length();
    }

    /** Index of the {@code ]} closing the class at {@code start}, or -1. A {@code ]} right after {@code [} or {@code [^} is literal. */
    private static int classEnd(String glob, int start) {
        int i = start + 1;
        if (i < glob.length() && (glob.charAt(i) == '^' || glob.charAt(i) == '!')) {
            i++;
        }
        if (i < glob.length() && glob.charAt(i) == ']') {
            i++;
        }
        for (; i < glob.length(); i++) {
            if (glob.charAt(i) == '\\') {
                i++;
            } else if (glob.charAt(i) == ']') {
                return i;
            }
        }
        return -1;
    }

    private static boolean inClass(String body, char c) {
        boolean negated = !body.isEmpty() && (body.charAt(0) == '^' || body.charAt(0) == '!');
        int i = negated ? 1 : 0;
        boolean found = false;
        while (i < body.length()) {
            char lo = body.charAt(i);
            if (lo == '\\' && i + 1 < body.length()) {
                lo = body.charAt(++i);
            }
            char hi = lo;
            if (i + 2 < body.length() && body.charAt(i + 1) == '-') {
                hi = body.charAt(i + 2);
                if (hi == '\\' && i + 3 < body.length()) {
                    hi = body.charAt(i + 3);
                    i++;
                }
                i += 2;
            }
            if (lo <= c && c <= hi) {
                found = true;
            }
            i++;
        }
        return found != negated;
    }
}
