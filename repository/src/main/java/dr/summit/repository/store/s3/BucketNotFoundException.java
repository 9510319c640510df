package dr.summit.repository.store.s3;

import dr.summit.repository.store.StoreException;

/** The bucket of an S3 location does not exist (S3 error NoSuchBucket). */
public class BucketNotFoundException extends StoreException {
    public BucketNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
