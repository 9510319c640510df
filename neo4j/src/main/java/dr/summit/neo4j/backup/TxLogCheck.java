package dr.summit.neo4j.backup;

import dr.summit.neo4j.source.CaptureClient;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Checks a range of captured transactions against Neo4j's own transaction log: every transaction
 * the log shows as a data transaction must be among the captured ones, else the feed has a gap
 * (a lost or truncated capture session, a server run without the plugin). Token and schema-only
 * transactions carry no data and are never captured; the log does not list them either. Neo4j
 * prunes its log, so the result says how far back the range could be checked.
 */
public final class TxLogCheck {
    /** Transaction ids held per range: one bit each, so a day of transactions is about a megabyte. */
    static final long MAX_SPAN = Integer.MAX_VALUE;
    private static final int SHOWN = 10;

    /** The transaction ids captured in (after, upTo]. */
    public static final class Captured {
        private final long after;
        private final long upTo;
        private final long base;
        private final BitSet bits = new BitSet();

        public Captured(long after, long upTo) {
            this.after = after;
            this.upTo = upTo;
            this.base = Math.max(after, upTo - MAX_SPAN);
        }

        public void add(long txId) {
            if (txId > base && txId <= upTo) {
                bits.set((int) (txId - base - 1));
            }
        }

        boolean has(long txId) {
            return txId > base && txId <= upTo && bits.get((int) (txId - base - 1));
        }
    }

    /**
     * {@code checkedAfter}: the range (checkedAfter, upTo] was compared ({@code == after} when all of
     * it); {@code missing}: data transactions of the log the feed lacks, the first few listed.
     */
    public record Result(long after, long upTo, long checkedAfter, long oldestTx, long missing, List<Long> firstMissing) {
        public boolean gap() {
            return missing > 0;
        }

        public boolean whole() {
            return checkedAfter <= after;
        }

        /** "data transaction(s) 12, 15 (2)" for a message. */
        public String describeMissing() {
            StringBuilder b = new StringBuilder(missing == 1 ? "data transaction " : "data transactions ");
            for (int i = 0; i < firstMissing.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(firstMissing.get(i));
            }
            if (missing > firstMissing.size()) {
                b.append(", … (").append(missing).append(" in all)");
            }
            return b.toString();
        }
    }

    private TxLogCheck() {
    }

    public static Result check(CaptureClient capture, long after, long upTo, Captured captured) {
        if (upTo <= after) {
            return new Result(after, upTo, after, 0, 0, List.of());
        }
        long[] missing = {0};
        List<Long> shown = new ArrayList<>();
        long oldest = capture.dataTransactions(after, upTo, tx -> {
            if (tx > captured.base && !captured.has(tx)) {
                missing[0]++;
                if (shown.size() < SHOWN) {
                    shown.add(tx);
                }
            }
        });
        long checkedAfter = oldest == 0 ? upTo : Math.max(Math.max(after, oldest - 1), captured.base);
        return new Result(after, upTo, checkedAfter, oldest, missing[0], List.copyOf(shown));
    }
}
