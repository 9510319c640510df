/**
 * Connecting to PostgreSQL the way libpq does: conninfo strings and URIs, PG* variables, service
 * files, .pgpass, UNIX sockets with peer authentication and TLS, resolved as pure values first and
 * opened through pgjdbc (with junixsocket for sockets) at the edge, {@link dr.summit.postgres.connect.PgConnector}.
 */
package dr.summit.postgres.connect;
