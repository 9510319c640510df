/**
 * The WAL archive: segment, history and backup-history files stored whole as sealed objects under
 * pg/CLUSTER/wal/, pushed by archive_command and fetched by restore_command.
 */
package dr.summit.postgres.wal;
