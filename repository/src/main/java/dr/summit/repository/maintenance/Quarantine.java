package dr.summit.repository.maintenance;

import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectStore;

/**
 * Where repair moves objects it will not use — damaged, foreign (another repository's) or stray
 * ones — instead of deleting them: {@code quarantine/<original name>}, kept for analysis until an
 * operator deletes them. Copy first, then delete, so a crash leaves the object in one place or both.
 */
public final class Quarantine {
    public static final String PREFIX = "quarantine/";

    private Quarantine() {
    }

    /** Moves one object aside; returns the name it now has. */
    public static String move(ObjectStore store, String name) {
        String target = PREFIX + name;
        try {
            store.put(target, store.get(name));
        } catch (ObjectExistsException alreadyThere) {
            // an earlier repair copied it and stopped before the delete
        }
        store.delete(name);
        return target;
    }
}
