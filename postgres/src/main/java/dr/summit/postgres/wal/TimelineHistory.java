package dr.summit.postgres.wal;

import java.util.ArrayList;
import java.util.List;

/**
 * A timeline history file ({@code 00000003.history}): one line per ancestor timeline, oldest
 * first, "parentTLI  switchpoint  reason". The last line names the immediate parent and the LSN
 * where this timeline branched off it.
 */
public record TimelineHistory(int timeline, List<Branch> ancestors) {

    /** Timeline {@code parent} was left at {@code switchLsn}. */
    public record Branch(int parent, long switchLsn) {
    }

    public static TimelineHistory parse(int timeline, String content) {
        List<Branch> ancestors = new ArrayList<>();
        for (String line : content.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+");
            if (fields.length < 2) {
                throw new IllegalArgumentException("timeline " + timeline + " history: malformed line '" + trimmed + "'");
            }
            ancestors.add(new Branch(Integer.parseInt(fields[0]), Lsn.parse(fields[1])));
        }
        if (ancestors.isEmpty()) {
            throw new IllegalArgumentException("timeline " + timeline + " history names no parent timeline");
        }
        return new TimelineHistory(timeline, List.copyOf(ancestors));
    }

    public int parent() {
        return ancestors.get(ancestors.size() - 1).parent();
    }

    public long branchLsn() {
        return ancestors.get(ancestors.size() - 1).switchLsn();
    }
}
