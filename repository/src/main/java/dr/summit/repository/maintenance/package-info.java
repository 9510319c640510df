/**
 * Repository maintenance: walking what snapshots reference, verifying structure and data, and
 * pruning data no snapshot needs.
 */
package dr.summit.repository.maintenance;
