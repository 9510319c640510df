/** Cron schedules of backups, drills and the rolling verify, and their state as the repository's job records say. */
package dr.summit.orchestrator.schedule;
