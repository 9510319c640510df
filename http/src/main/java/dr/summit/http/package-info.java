/**
 * The one HTTP server stack of Summit DR (Jetty 12, core Handler API): bounded heads, bodies, connections
 * and idle time, JSON errors without stack traces, a tiny router. The orchestrator's API and the WAL agent's
 * UNIX socket both serve through it; it imports nothing of ours.
 */
package dr.summit.http;
