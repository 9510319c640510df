package dr.summit.repository.crypto;

/**
 * Argon2id cost parameters of a passphrase key slot, stored in the slot so that a repository
 * created on one machine opens on another, and so that the cost can be raised per slot later.
 */
public record Argon2Params(int memoryKiB, int iterations, int parallelism) {
    /** Interactive default: about half a second on a 2-core VM with Bouncy Castle's implementation. */
    public static final Argon2Params DEFAULT = new Argon2Params(64 * 1024, 3, 2);

    public Argon2Params {
        if (memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
            throw new IllegalArgumentException("argon2 memory must be between 8*parallelism KiB and 4 GiB, got " + memoryKiB);
        }
        if (iterations < 1 || iterations > 100) {
            throw new IllegalArgumentException("argon2 iterations must be 1..100, got " + iterations);
        }
        if (parallelism < 1 || parallelism > 64) {
            throw new IllegalArgumentException("argon2 parallelism must be 1..64, got " + parallelism);
        }
    }
}
