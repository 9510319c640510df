/** Recoverable source kinds (files, PostgreSQL; Neo4j plugs in later): list backups, plan, restore, verify. */
package dr.summit.orchestrator.sources;
