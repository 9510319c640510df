/**
 * Point-in-time restore: choose the base backup, restore the data directory, and configure
 * recovery (restore_command, recovery target) so that PostgreSQL replays the archived WAL.
 */
package dr.summit.postgres.restore;
