/**
 * Base backups: the data directory read under pg_backup_start/pg_backup_stop, relation files cut
 * into fixed page-aligned chunks so unchanged pages deduplicate against earlier backups.
 */
package dr.summit.postgres.basebackup;
