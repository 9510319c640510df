package dr.summit.cli;

/**
 * A rough duration for `pg restore --dry-run`: the base backup's bytes at the restore rate plus the
 * WAL to replay at the replay rate. The rates are what bench/pg-compare.sh and bench/file-backup.sh
 * measured on the 2-core reference machine (docs/benchmarks.md), rounded down: an order of
 * magnitude for planning an RTO, not a promise — disks, CPUs and the data's compressibility move it.
 */
final class RestoreEstimate {
    /** Restore of mixed data from a local repository, cold caches: 290 MB/s measured. */
    static final long RESTORE_BYTES_PER_SECOND = 250_000_000L;
    /** WAL replay of a pgbench run through the agent, including fetching: 170 MB/s measured. */
    static final long REPLAY_BYTES_PER_SECOND = 150_000_000L;
    /** Server start, end-of-recovery checkpoint, promotion. */
    static final long FIXED_SECONDS = 5;

    private RestoreEstimate() {
    }

    static long seconds(long dataBytes, long walBytes) {
        return FIXED_SECONDS + dataBytes / RESTORE_BYTES_PER_SECOND + walBytes / REPLAY_BYTES_PER_SECOND;
    }
}
