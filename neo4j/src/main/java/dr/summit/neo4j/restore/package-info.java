/** Writing a stored export and change feed into an empty database over Bolt, to a chosen point. */
package dr.summit.neo4j.restore;
