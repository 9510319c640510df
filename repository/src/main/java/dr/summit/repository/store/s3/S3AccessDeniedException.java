package dr.summit.repository.store.s3;

import dr.summit.repository.store.StoreException;

/**
 * S3 refused a request: wrong or missing credentials (InvalidAccessKeyId, SignatureDoesNotMatch) or a
 * policy that does not allow it (AccessDenied).
 */
public class S3AccessDeniedException extends StoreException {
    public S3AccessDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
