/**
 * Snapshot retention: decides, per group of snapshots of the same host and paths, which snapshots a
 * {@link dr.summit.repository.snapshot.retention.RetentionPolicy} keeps and which it would remove.
 *
 * <p>Pure domain code with no I/O; deleting the removed snapshots is the caller's job.
 */
package dr.summit.repository.snapshot.retention;
