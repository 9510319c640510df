package dr.summit.repository.store.s3;

import dr.summit.repository.store.StoreStats;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Counts every HTTP request the S3 client sends, retries included, into {@link StoreStats}, because
 * that is what a provider bills: a 16 MiB pack is one multipart upload of four requests, a retried GET
 * is two GETs. A request is counted once a response came back (a refused connection costs nothing);
 * bytes are counted for successful uploads and downloads only.
 *
 * <p>Classes: PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload and
 * AbortMultipartUpload are puts (S3's PUT/POST price class); GetObject gets; HeadObject heads;
 * ListObjectsV2 lists (one per page); DeleteObject deletes.
 */
final class S3RequestCounter implements ExecutionInterceptor {
    private static final String DECODED_LENGTH = "x-amz-decoded-content-length";

    private final StoreStats stats;

    S3RequestCounter(StoreStats stats) {
        this.stats = stats;
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        boolean ok = context.httpResponse().isSuccessful();
        if (request instanceof PutObjectRequest || request instanceof UploadPartRequest) {
            stats.put(ok ? uploadedBytes(context) : 0);
        } else if (request instanceof CreateMultipartUploadRequest || request instanceof CompleteMultipartUploadRequest
                || request instanceof AbortMultipartUploadRequest) {
            stats.put(0);
        } else if (request instanceof GetObjectRequest) {
            long bytes = ok ? context.httpResponse().firstMatchingHeader("Content-Length").map(Long::parseLong).orElse(0L) : 0;
            stats.get(bytes);
        } else if (request instanceof HeadObjectRequest) {
            stats.head();
        } else if (request instanceof ListObjectsV2Request) {
            stats.list();
        } else if (request instanceof DeleteObjectRequest) {
            stats.delete();
        }
    }

    /** Payload bytes, not the aws-chunked encoding around them. */
    private static long uploadedBytes(Context.AfterTransmission context) {
        return context.httpRequest().firstMatchingHeader(DECODED_LENGTH).map(Long::parseLong)
                .or(() -> context.requestBody().flatMap(RequestBody::optionalContentLength))
                .orElse(0L);
    }
}
