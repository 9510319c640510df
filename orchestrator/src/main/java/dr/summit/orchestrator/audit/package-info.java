/** The tamper-evident audit log: hash-chained entries in the repository, verified by 'summit-dr audit verify'. */
package dr.summit.orchestrator.audit;
