/** Long operations as jobs: 202 + id, state persisted in the repository, idempotency keys, conflicts, cancel. */
package dr.summit.orchestrator.jobs;
