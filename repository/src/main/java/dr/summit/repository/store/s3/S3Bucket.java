package dr.summit.repository.store.s3;

import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;
import dr.summit.repository.store.StoreStats;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.InputStream;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A bucket (or a prefix of one) as a backup source or restore target — not a repository: objects
 * are user data with their own keys, content types and metadata. Shares the repository store's
 * client settings (endpoint, credentials chain, retries, timeouts, request counting).
 */
public final class S3Bucket implements AutoCloseable {
    private final S3ObjectStore store;
    private final S3Location location;

    public S3Bucket(S3ObjectStore store) {
        this.store = store;
        this.location = store.s3Location();
    }

    /** Opens {@code s3:…} with the SDK's default credentials chain. */
    public static S3Bucket open(S3Location location) {
        return new S3Bucket(S3ObjectStore.open(location));
    }

    public S3Location location() {
        return location;
    }

    /** One listed object. */
    public record ObjectInfo(String key, long size, Instant lastModified, String etag) {
    }

    /** What to do with each object under the prefix, in key order (S3 lists in UTF-8 byte order). */
    public interface Visitor {
        void visit(ObjectInfo object) throws InterruptedException;
    }

    /** Lists every object under the location's prefix, page by page (memory does not grow with the bucket). */
    public void forEach(Visitor visitor) throws InterruptedException {
        String prefix = location.keyPrefix();
        String token = null;
        do {
            store.faults().before(StoreFaults.Call.LIST, prefix);
            String continuation = token;
            ListObjectsV2Response page;
            try {
                page = store.client().listObjectsV2(b -> b.bucket(location.bucket()).prefix(prefix).continuationToken(continuation));
            } catch (SdkException e) {
                throw store.errors().translate(e, "list", prefix);
            }
            for (S3Object o : page.contents()) {
                visitor.visit(new ObjectInfo(o.key(), o.size(), o.lastModified(), o.eTag()));
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
    }

    /** An object's content stream and headers; close the stream. */
    public record Download(InputStream content, long size, String contentType, Map<String, String> metadata, String etag,
                           Instant lastModified) {
    }

    public Download get(String key) {
        store.faults().before(StoreFaults.Call.GET, key);
        try {
            ResponseInputStream<GetObjectResponse> in = store.client().getObject(b -> b.bucket(location.bucket()).key(key));
            GetObjectResponse r = in.response();
            return new Download(in, r.contentLength(), r.contentType(), r.metadata(), r.eTag(), r.lastModified());
        } catch (SdkException e) {
            throw store.errors().translate(e, "read", key);
        }
    }

    /**
     * Writes an object (replacing one of the same key, as any S3 upload does) from a stream of
     * known length; {@code content} is asked again for each retry.
     */
    public void put(String key, long length, Supplier<InputStream> content, String contentType, Map<String, String> metadata) {
        store.faults().before(StoreFaults.Call.PUT, key);
        try {
            store.client().putObject(b -> b.bucket(location.bucket()).key(key).contentLength(length)
                            .contentType(contentType == null ? "binary/octet-stream" : contentType).metadata(metadata),
                    RequestBody.fromContentProvider(content::get, length, contentType == null ? "binary/octet-stream" : contentType));
        } catch (SdkException e) {
            throw store.errors().translate(e, "write", key);
        }
    }

    public StoreStats stats() {
        return store.stats();
    }

    /** A one-line description for errors ("s3:http://…/bucket/prefix"). */
    @Override
    public String toString() {
        return location.toString();
    }

    @Override
    public void close() {
        try {
            store.close();
        } catch (StoreException ignored) {
            // closing releases connections only
        }
    }
}
