package dr.summit.repository.snapshot;

/**
 * A snapshot object that could not be read. It is never silently left out: listings show it,
 * selections that might have meant it fail, and forget and prune stop while it exists
 * (docs/repository-format.md, "Damaged and foreign objects").
 *
 * @param name    object name, {@code snapshots/<id>}
 * @param reason  what is wrong with it, one line
 * @param foreign sealed under a data-key epoch this repository's keyring never had: most likely a
 *                file copied in from another repository (but a damaged header looks the same)
 */
public record UnreadableSnapshot(String name, String reason, boolean foreign) {
    public String id() {
        return name.substring(name.indexOf('/') + 1);
    }

    /** "snapshots/3fa2…: reason" for messages. */
    public String describe() {
        return name + (foreign ? " (not sealed by this repository's keys: " : " (damaged: ") + reason + ")";
    }
}
