/** DR drills: real restores into scratch directories, verified, with measured RTO and achieved RPO and a kept report. */
package dr.summit.orchestrator.drills;
