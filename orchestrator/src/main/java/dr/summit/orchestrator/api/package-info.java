/** The REST API (the seed's paths) over the orchestrator's services: routes, request bodies, auth, audit, OpenAPI. */
package dr.summit.orchestrator.api;
