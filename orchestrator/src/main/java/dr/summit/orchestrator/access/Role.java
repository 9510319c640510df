package dr.summit.orchestrator.access;

import java.util.Locale;

/** What a token may do; each role includes the ones before it. */
public enum Role {
    /** GET: backups, status, jobs. */
    VIEWER,
    /** Backups, drills, dry-run recoveries, cancelling those. */
    OPERATOR,
    /** Real recoveries, tokens, the audit log. */
    ADMIN;

    public boolean allows(Role needed) {
        return compareTo(needed) >= 0;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role parse(String s) {
        for (Role r : values()) {
            if (r.label().equals(s)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role must be viewer, operator or admin, got '" + s + "'");
    }
}
