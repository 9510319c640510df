/**
 * The resident archive agent: keeps the repository open, uploads WAL ahead of archive_command by
 * watching archive_status/*.ready, and answers wal-push, wal-fetch and status requests on a UNIX
 * socket — only from its own user, root and --allow-user, only for WAL in its data directory's
 * pg_wal, with bounded connections, threads and memory.
 */
package dr.summit.postgres.agent;
