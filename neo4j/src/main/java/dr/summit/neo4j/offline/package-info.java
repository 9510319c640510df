/** The offline restore: a backup's export written as neo4j-admin import CSV files and imported into a stopped Neo4j. */
package dr.summit.neo4j.offline;
