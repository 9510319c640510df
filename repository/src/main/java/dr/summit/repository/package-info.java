/**
 * The Summit DR repository: a content-addressed, deduplicated, compressed and encrypted object
 * store. {@link dr.summit.repository.Repository} is the entry point; docs/repository-format.md is the spec.
 */
package dr.summit.repository;
