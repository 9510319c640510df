/** Full and incremental Neo4j backups as repository snapshots, and the catalogue of their chains. */
package dr.summit.neo4j.backup;
