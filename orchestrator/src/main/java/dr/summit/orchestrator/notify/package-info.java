/** Notifications: webhooks (plain JSON, Slack, PagerDuty Events v2) on job outcomes, retried with backoff. */
package dr.summit.orchestrator.notify;
