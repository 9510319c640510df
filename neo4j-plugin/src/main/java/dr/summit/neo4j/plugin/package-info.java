/**
 * Neo4j server plugin: captures every committed data change into an append-only log beside the
 * database, and serves it (change feed, horizon, barrier) to the backup agent through procedures.
 */
package dr.summit.neo4j.plugin;
