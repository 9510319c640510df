package dr.summit.files.bucket;

import dr.summit.repository.store.s3.S3Bucket;

/**
 * What {@link BucketArchiver} reads: objects under a prefix in key order, and their content. The
 * S3 implementation is {@link #of(S3Bucket)}; tests also feed key shapes real S3 allows but the
 * loopback test server's file-system store cannot hold (a key that is also a prefix, "a//b").
 */
public interface BucketSource {
    /** The name of the snapshot's top directory (the bucket's name). */
    String name();

    /** Keys start with this; it is removed from the names in the tree. */
    String keyPrefix();

    /** The location as the operator wrote it, recorded as the snapshot's path. */
    String location();

    String endpoint();

    void forEach(S3Bucket.Visitor visitor) throws InterruptedException;

    S3Bucket.Download get(String key);

    static BucketSource of(S3Bucket bucket) {
        return new BucketSource() {
            @Override
            public String name() {
                return bucket.location().bucket();
            }

            @Override
            public String keyPrefix() {
                return bucket.location().keyPrefix();
            }

            @Override
            public String location() {
                return bucket.location().toString();
            }

            @Override
            public String endpoint() {
                return bucket.location().endpointDescription();
            }

            @Override
            public void forEach(S3Bucket.Visitor visitor) throws InterruptedException {
                bucket.forEach(visitor);
            }

            @Override
            public S3Bucket.Download get(String key) {
                return bucket.get(key);
            }

            @Override
            public String toString() {
                return bucket.toString();
            }
        };
    }
}
