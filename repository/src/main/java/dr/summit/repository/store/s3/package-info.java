/**
 * The S3 object store: repository objects as keys under a bucket prefix, reached through the AWS SDK v2
 * (any S3-compatible endpoint), with write-once conditional puts, checksums, retries and request counting.
 */
package dr.summit.repository.store.s3;
