/**
 * The WAL receiver: a physical replication client that writes the stream into the repository as it
 * arrives and reports a flush position only for bytes durable there (RPO 0 as a synchronous standby).
 */
package dr.summit.postgres.stream;
