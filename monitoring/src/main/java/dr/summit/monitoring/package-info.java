/**
 * RTO/RPO and backup monitoring: the Prometheus metric families of Summit DR, rebuilt from what the
 * repository holds, written as a node_exporter text file or pushed to a Pushgateway.
 *
 * <p>The API a server (the orchestrator) needs is small:
 * <pre>{@code
 * DrMetrics metrics = new DrMetrics();                       // one registry of its own
 * metrics.refreshFromRepository(repo, now);                  // at start and every few minutes: state gauges
 * metrics.refreshDrills(drillReports);                       // the drill reports it keeps, after a restart
 * metrics.recordBackup(Source.POSTGRES, "base", secs, logical, stored, files, ok, finished);
 * metrics.recordRecovery("postgres-pitr", Source.POSTGRES, rtoSecs, rpoSecs, ok);
 * metrics.recordDrill(new DrillResult("backup-validation", finished, rtoSecs, rpoSecs, ok));
 * metrics.recordWalLag(seconds, bytes);                      // when it knows the primary's position
 * metrics.writeText(response.getOutputStream());             // GET /metrics, type DrMetrics.CONTENT_TYPE
 * }</pre>
 * Gauges derive from the repository, so a restart never resets or falsifies them; counters count
 * this process's events (Prometheus' rate() handles the reset). Labels are a closed set: source, type,
 * scenario, result — never an id or a path. CLI runs use {@link dr.summit.monitoring.MetricsTextfile}
 * and {@link dr.summit.monitoring.Pushgateway}; {@link dr.summit.monitoring.ComplianceReport} is the
 * monthly review.
 */
package dr.summit.monitoring;
