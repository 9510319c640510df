/** The orchestrator's state as small sealed JSON records in the repository (write-once, under orchestrator/). */
package dr.summit.orchestrator.records;
