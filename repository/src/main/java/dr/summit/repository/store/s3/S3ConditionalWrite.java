package dr.summit.repository.store.s3;

import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.StoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Decides what a failed write-once put means, when its outcome is not plain.
 *
 * <p>Each write tags its object with a random write id ({@link S3ObjectMetadata#WRITE_ID}). A 412
 * on the first attempt is a plain "exists". It is not plain after a retry — the first attempt may
 * have stored the object and lost its response — nor after a network failure, since some servers
 * answer 412 or 403 before reading the body and close the connection, which the client sees as a
 * failed write. Then one HEAD tells: our write id means our write landed (success), another means
 * the object was there (exists), none means the write failed. A LIST first brings out a missing
 * bucket or bad credentials with their S3 error codes, which a HEAD cannot carry.
 */
final class S3ConditionalWrite {
    private final S3Client client;
    private final S3Location location;
    private final S3Errors errors;

    S3ConditionalWrite(S3Client client, S3Location location, S3Errors errors) {
        this.client = client;
        this.location = location;
        this.errors = errors;
    }

    /** Returns if the write identified by {@code writeId} did land despite {@code e}; throws otherwise. */
    void resolve(String name, String writeId, SdkException e) {
        boolean service = e instanceof AwsServiceException;
        boolean exists = isPreconditionFailed(e);
        boolean retried = e.numAttempts() != null && e.numAttempts() > 1;
        StoreException error = exists ? new ObjectExistsException(location.toString(), name) : errors.translate(e, "write", name);
        boolean ambiguous = service
                ? (exists || isNoSuchUpload(e)) && retried                  // an earlier attempt may have landed
                : !(error instanceof EndpointUnreachableException && S3Errors.nothingSent(e)); // it may have reached S3
        if (!ambiguous) {
            throw error;
        }
        String found;
        try {
            if (!service) {
                client.listObjectsV2(b -> b.bucket(location.bucket()).prefix(location.key(name)).maxKeys(1));
            }
            found = writeIdOf(name);
        } catch (SdkException | StoreException probe) {
            StoreException reported = probe instanceof StoreException s ? s : errors.translate((SdkException) probe, "write", name);
            reported.addSuppressed(e);
            throw reported;
        }
        if (found == null) {
            throw error;
        }
        if (!found.equals(writeId)) {
            throw new ObjectExistsException(location.toString(), name);
        }
        // An earlier attempt of this very write stored the object; only its response was lost.
    }

    /** The write id of an object, "" for an object without one, null if absent. */
    String writeIdOf(String name) {
        try {
            return client.headObject(b -> b.bucket(location.bucket()).key(location.key(name))).metadata()
                    .getOrDefault(S3ObjectMetadata.WRITE_ID, "");
        } catch (SdkException e) {
            StoreException error = errors.translate(e, "stat", name);
            if (error instanceof ObjectNotFoundException) {
                return null;
            }
            throw error;
        }
    }

    static boolean isPreconditionFailed(SdkException e) {
        return e instanceof AwsServiceException s && s.statusCode() == 412;
    }

    static boolean isNoSuchUpload(SdkException e) {
        return e instanceof AwsServiceException s && s.awsErrorDetails() != null
                && "NoSuchUpload".equals(s.awsErrorDetails().errorCode());
    }
}
