package dr.summit.repository.store.s3;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.function.Supplier;

/**
 * Sends an upload again when the server refused its body as damaged on the way. Over HTTPS the body
 * carries a CRC32C that S3 checks (BadDigest, retried by the SDK's strategy through
 * {@link S3Errors#damagedInTransit}); over plain HTTP the SDK also signs every chunk of it, so a flipped
 * bit comes back as 403 SignatureDoesNotMatch — which wrong credentials give too. A bodiless request
 * signed with the same credentials tells the two apart: when it passes, the credentials are right and
 * the body was damaged, so the upload goes again (up to {@link S3StoreOptions#maxAttempts()} sends).
 */
final class S3UploadResend {
    private final S3Client client;
    private final S3Location location;
    private final int maxSends;

    S3UploadResend(S3Client client, S3Location location, int maxSends) {
        this.client = client;
        this.location = location;
        this.maxSends = maxSends;
    }

    <T> T send(String key, Supplier<T> upload) {
        for (int send = 1; ; send++) {
            try {
                return upload.get();
            } catch (AwsServiceException e) {
                if (send >= maxSends || !bodyWasRefused(e, key)) {
                    throw e;
                }
            }
        }
    }

    private boolean bodyWasRefused(AwsServiceException e, String key) {
        if (e.awsErrorDetails() == null || !"SignatureDoesNotMatch".equals(e.awsErrorDetails().errorCode())) {
            return false;
        }
        try {
            client.listObjectsV2(b -> b.bucket(location.bucket()).prefix(key).maxKeys(1));
            return true;
        } catch (SdkException probe) {
            e.addSuppressed(probe);
            return false;
        }
    }
}
