package dr.summit.neo4j.restore;

import dr.summit.neo4j.Neo4jFailure;
import dr.summit.neo4j.backup.Neo4jCatalogue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which backups a restore reads and where it stops: pure code over the catalogue. A point is
 * reachable when some chain's window holds it; otherwise the failure lists every window.
 *
 * @param entries  the full, then the incrementals to read, in order
 * @param untilTx  last transaction to apply (inclusive), or null for "to the end of the last entry"
 * @param untilTime stop before the first transaction (in id order) that committed after this, or null
 */
public record RestorePlan(Neo4jCatalogue.Chain chain, List<Neo4jCatalogue.Entry> entries, Long untilTx, Instant untilTime) {
    /** What the operator asked for. {@code ref} is a snapshot id (prefix) or "latest". */
    public record Target(String ref, Long untilTx, Instant untilTime, boolean fullOnly) {
    }

    public Neo4jCatalogue.Entry last() {
        return entries.get(entries.size() - 1);
    }

    /** True when the restore ends exactly where the last entry ends (its recorded digest applies). */
    public boolean endsAtLastEntry() {
        return (untilTx == null || untilTx == last().toTx()) && (untilTime == null || !untilTime.isBefore(last().toTime()));
    }

    public static RestorePlan of(List<Neo4jCatalogue.Chain> chains, Target t) {
        if (chains.isEmpty()) {
            throw new Neo4jFailure("no complete Neo4j backup chain in the repository for this database (run 'summit-dr neo4j backup' first)");
        }
        if (t.untilTx() != null && t.untilTime() != null) {
            throw new IllegalArgumentException("give --until-tx or --until-time, not both");
        }
        List<Neo4jCatalogue.Chain> candidates = chains;
        Neo4jCatalogue.Entry named = null;
        if (t.ref() != null && !t.ref().equals("latest")) {
            for (Neo4jCatalogue.Chain c : chains) {
                for (Neo4jCatalogue.Entry e : c.all()) {
                    if (e.id().startsWith(t.ref())) {
                        if (named != null && !named.id().equals(e.id())) {
                            throw new IllegalArgumentException("backup id '" + t.ref() + "' is ambiguous");
                        }
                        named = e;
                        candidates = List.of(c);
                    }
                }
            }
            if (named == null) {
                throw new Neo4jFailure("no Neo4j backup '" + t.ref() + "' in a complete chain (see 'summit-dr neo4j list')");
            }
        }
        if (t.fullOnly()) {
            Neo4jCatalogue.Chain c = candidates.get(candidates.size() - 1);
            if (t.untilTx() != null || t.untilTime() != null) {
                throw new IllegalArgumentException("--full-only restores a full as it ended: it takes no --until-tx or --until-time");
            }
            return new RestorePlan(c, List.of(c.full()), null, null);
        }
        for (int i = candidates.size() - 1; i >= 0; i--) {
            Neo4jCatalogue.Chain c = candidates.get(i);
            List<Neo4jCatalogue.Entry> all = c.all();
            if (named != null) {
                all = all.subList(0, all.indexOf(named) + 1);
            }
            Neo4jCatalogue.Entry end = all.get(all.size() - 1);
            if (t.untilTx() != null) {
                if (t.untilTx() < c.fromTx() || t.untilTx() > end.toTx()) {
                    continue;
                }
                return new RestorePlan(c, upTo(all, e -> e.toTx() >= t.untilTx()), t.untilTx(), null);
            }
            if (t.untilTime() != null) {
                if (t.untilTime().isBefore(c.fromTime()) || t.untilTime().isAfter(end.toTime())) {
                    continue;
                }
                return new RestorePlan(c, upTo(all, e -> !e.toTime().isBefore(t.untilTime())), null, t.untilTime());
            }
            return new RestorePlan(c, all, null, null);
        }
        StringBuilder windows = new StringBuilder();
        for (Neo4jCatalogue.Chain c : candidates) {
            windows.append(windows.length() == 0 ? "" : "; ").append("tx ").append(c.fromTx()).append("..").append(c.toTx())
                    .append(" (").append(c.fromTime()).append(" .. ").append(c.toTime()).append(')');
        }
        String what = t.untilTx() != null ? "tx " + t.untilTx() : "time " + t.untilTime();
        throw new Neo4jFailure(what + " is outside the recoverable window: " + windows);
    }

    private static List<Neo4jCatalogue.Entry> upTo(List<Neo4jCatalogue.Entry> all, java.util.function.Predicate<Neo4jCatalogue.Entry> reaches) {
        List<Neo4jCatalogue.Entry> out = new ArrayList<>();
        for (Neo4jCatalogue.Entry e : all) {
            out.add(e);
            if (reaches.test(e)) {
                break;
            }
        }
        return out;
    }
}
