/**
 * Where repository objects live: a narrow, write-once object-store interface and its backends
 * (local directory now, S3 later). Stores know names and bytes, nothing of the format.
 */
package dr.summit.repository.store;
