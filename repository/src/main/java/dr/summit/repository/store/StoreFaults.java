package dr.summit.repository.store;

/**
 * A hook consulted before every store call, so tests can inject failures at each call in turn
 * ("fail the 7th put") and prove that a run interrupted there leaves a consistent repository.
 */
@FunctionalInterface
public interface StoreFaults {
    StoreFaults NONE = (call, name) -> { };

    enum Call { PUT, GET, HEAD, LIST, DELETE }

    /** Throws to make the call fail; returns to let it proceed. */
    void before(Call call, String name);
}
