package dr.summit.repository.store.s3;

import dr.summit.repository.store.ObjectExistsException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * Uploads one large object in parts, so that a failed part is retried alone and nothing is visible
 * before the completion. Parts go up one after the other: concurrency is the callers' (several packs
 * upload at once), which keeps memory and connections bounded.
 */
final class S3MultipartUpload {
    private final S3Client client;
    private final S3Location location;
    private final S3StoreOptions options;
    private final S3Errors errors;
    private final S3ConditionalWrite conditional;
    private final S3UploadResend resend;

    S3MultipartUpload(S3Client client, S3Location location, S3StoreOptions options, S3Errors errors,
                      S3ConditionalWrite conditional, S3UploadResend resend) {
        this.client = client;
        this.location = location;
        this.options = options;
        this.errors = errors;
        this.conditional = conditional;
        this.resend = resend;
    }

    /**
     * Uploads {@code data[offset, offset+length)} as {@code key}, tagged with {@code writeId}, or throws
     * with nothing left behind.
     */
    void put(String name, String key, String writeId, byte[] data, int offset, int length) {
        // Servers that ignore If-None-Match on completion would replace the object: look first.
        if (conditional.writeIdOf(name) != null) {
            throw new ObjectExistsException(location.toString(), name);
        }
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(b -> b.bucket(location.bucket()).key(key)
                    .checksumAlgorithm(S3ObjectStore.CHECKSUM).contentType(S3ObjectStore.CONTENT_TYPE)
                    .metadata(S3ObjectMetadata.forUpload(writeId, data, offset, length))).uploadId();
        } catch (SdkException e) {
            throw errors.translate(e, "write", name);
        }
        List<CompletedPart> parts = new ArrayList<>();
        try {
            int partSize = options.partSize();
            int count = partCount(length, partSize);
            for (int number = 1, start = 0; number <= count; number++, start += partSize) {
                int partLength = number < count ? partSize : length - start;
                int partNumber = number;
                int partOffset = offset + start;
                UploadPartResponse uploaded = resend.send(key, () -> client.uploadPart(b -> b.bucket(location.bucket())
                                .key(key).uploadId(uploadId).partNumber(partNumber).checksumAlgorithm(S3ObjectStore.CHECKSUM)
                                .contentLength((long) partLength),
                        S3ObjectStore.body(data, partOffset, partLength)));
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(uploaded.eTag())
                        .checksumCRC32C(uploaded.checksumCRC32C()).build());
            }
        } catch (RuntimeException e) {
            RuntimeException error = e instanceof SdkException sdk ? errors.translate(sdk, "write", name) : e;
            abort(key, uploadId, error);
            throw error;
        }
        try {
            client.completeMultipartUpload(b -> b.bucket(location.bucket()).key(key).uploadId(uploadId).ifNoneMatch("*")
                    .multipartUpload(m -> m.parts(parts)));
        } catch (SdkException e) {
            try {
                conditional.resolve(name, writeId, e);
            } catch (RuntimeException error) {
                abort(key, uploadId, error);
                throw error;
            }
        }
    }

    /**
     * Parts of {@code partSize}, the last one taking the remainder: a pack just over 16 MiB goes up
     * as 8 + 8.x MiB, not 8 + 8 + a few bytes (one request less per pack; a part may be up to 5 GiB).
     * One part means a plain PUT: a multipart upload of one part costs two more requests for nothing.
     */
    static int partCount(int length, int partSize) {
        return Math.max(1, length / partSize);
    }

    private void abort(String key, String uploadId, RuntimeException cause) {
        try {
            client.abortMultipartUpload(b -> b.bucket(location.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            // The parts stay billed until a lifecycle rule removes them (docs/operations.md); the
            // upload's own failure is what the operator needs to see.
            cause.addSuppressed(e);
        }
    }
}
