/**
 * The resident archive agent: keeps the repository open, uploads WAL ahead of archive_command by
 * watching archive_status/*.ready, and answers wal-push and status requests on a UNIX socket.
 */
package dr.summit.postgres.agent;
