package dr.summit.repository.store.s3;

import dr.summit.repository.store.StoreException;

/** The S3 endpoint could not be reached (refused, unknown host, timed out) after all retries. */
public class EndpointUnreachableException extends StoreException {
    public EndpointUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
