package dr.summit.repository.snapshot;

import dr.summit.repository.CorruptObjectException;

import java.util.List;

/**
 * A command would choose among snapshots, or delete data, while some snapshot cannot be read: it
 * stops, naming them, unless the operator explicitly chose to skip them.
 */
public final class DamagedSnapshotException extends CorruptObjectException {
    private final List<UnreadableSnapshot> unreadable;

    public DamagedSnapshotException(String action, List<UnreadableSnapshot> unreadable) {
        super(message(action, unreadable));
        this.unreadable = List.copyOf(unreadable);
    }

    public List<UnreadableSnapshot> unreadable() {
        return unreadable;
    }

    private static String message(String action, List<UnreadableSnapshot> unreadable) {
        UnreadableSnapshot first = unreadable.get(0);
        return "cannot " + action + ": " + (unreadable.size() == 1 ? "snapshot " : unreadable.size() + " snapshots, e.g. ")
                + first.describe() + "; run 'summit-dr repair snapshots' to recover what can be, or pass --skip-damaged to go on without "
                + (unreadable.size() == 1 ? "it" : "them");
    }
}
