/** API tokens with roles (viewer, operator, admin); only a token's SHA-256 is stored, in the repository. */
package dr.summit.orchestrator.access;
