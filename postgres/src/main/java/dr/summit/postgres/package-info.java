/**
 * PostgreSQL point-in-time recovery on the Summit DR repository: base backups of the data
 * directory, the WAL archive, and restore to a target.
 */
package dr.summit.postgres;
