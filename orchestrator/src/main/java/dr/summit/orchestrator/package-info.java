/**
 * The recovery orchestrator: a long-running server over the repository (REST API, jobs, DR drills,
 * API tokens, audit log). It keeps no state the repository does not hold (records under orchestrator/).
 */
package dr.summit.orchestrator;
