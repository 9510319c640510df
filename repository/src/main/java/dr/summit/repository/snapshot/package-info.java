/**
 * Snapshots: the small sealed object that names a backup's root tree. Writing it is the commit
 * point of a backup. Retention rules (which snapshots to forget) live in the retention subpackage.
 */
package dr.summit.repository.snapshot;
