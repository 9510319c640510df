/**
 * Neo4j backup agent (driver side): online export plus captured change feed into the repository,
 * catalogue of chains, and restore to a transaction or a time over Bolt.
 */
package dr.summit.neo4j;
