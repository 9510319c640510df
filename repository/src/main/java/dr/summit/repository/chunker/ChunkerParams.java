package dr.summit.repository.chunker;

/**
 * Chunk size limits for the {@link Chunker}.
 *
 * <p>{@code avgSize} is the normalization point of FastCDC: before it the chunker uses a stricter cut
 * condition, after it a looser one, which concentrates chunk sizes around it. With {@code minSize = avgSize / 4}
 * the measured mean on random data lands roughly 10–20&nbsp;% above {@code avgSize}, because no chunk is ever cut
 * before {@code minSize}.
 *
 * <p>These values are part of the repository format: changing any of them changes chunk boundaries and so
 * defeats deduplication against existing data.
 *
 * @param minSize smallest chunk the chunker cuts (only the last chunk of a stream may be shorter)
 * @param avgSize normalization point; must be a power of two
 * @param maxSize largest chunk; the chunker always cuts here
 */
public record ChunkerParams(int minSize, int avgSize, int maxSize) {

    /** Lowest allowed {@code minSize}: 64 KiB. */
    public static final int MIN_SIZE_FLOOR = 64 * 1024;

    /** Highest allowed {@code maxSize}: 16 MiB. */
    public static final int MAX_SIZE_CEILING = 16 * 1024 * 1024;

    /** The repository default: min 256 KiB, average 1 MiB, max 4 MiB. */
    public static final ChunkerParams DEFAULT = new ChunkerParams(256 * 1024, 1024 * 1024, 4 * 1024 * 1024);

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException unless {@code 64 KiB <= minSize < avgSize < maxSize <= 16 MiB} and
     *     {@code avgSize} is a power of two
     */
    public ChunkerParams {
        if (minSize < MIN_SIZE_FLOOR) {
            throw new IllegalArgumentException(
                    "chunker minSize must be at least " + MIN_SIZE_FLOOR + " bytes, got " + minSize);
        }
        if (maxSize > MAX_SIZE_CEILING) {
            throw new IllegalArgumentException(
                    "chunker maxSize must be at most " + MAX_SIZE_CEILING + " bytes, got " + maxSize);
        }
        if (!(minSize < avgSize && avgSize < maxSize)) {
            throw new IllegalArgumentException("chunker sizes must satisfy minSize < avgSize < maxSize, got min="
                    + minSize + " avg=" + avgSize + " max=" + maxSize);
        }
        if (Integer.bitCount(avgSize) != 1) {
            throw new IllegalArgumentException("chunker avgSize must be a power of two, got " + avgSize);
        }
    }
}
