/** What the orchestrator tells the outside world: job and drill events (to metrics, notifications) and the /metrics body. */
package dr.summit.orchestrator.events;
