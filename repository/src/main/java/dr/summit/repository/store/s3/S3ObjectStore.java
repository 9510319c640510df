package dr.summit.repository.store.s3;

import dr.summit.repository.store.ObjectExistsException;
import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.ObjectStore;
import dr.summit.repository.store.StagedObject;
import dr.summit.repository.store.StoreException;
import dr.summit.repository.store.StoreFaults;
import dr.summit.repository.store.StoreStats;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.SdkAutoCloseable;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Repository objects as keys under a bucket prefix on S3 or any S3-compatible server.
 *
 * <p><b>Write-once.</b> Every put is conditional ({@code If-None-Match: *}): S3 answers 412 when the key
 * exists (AWS since 2024, MinIO, S3Proxy), which becomes {@link ObjectExistsException}; the old object
 * stays. Objects of two parts or more ({@link S3StoreOptions#partSize()}, 8 MiB: every full 16 MiB pack)
 * go up as a multipart upload, invisible until its completion, which carries {@code If-None-Match: *} as
 * well; a failed upload is aborted so no part lingers. Servers that ignore the condition on completion
 * are covered by a HEAD before the upload starts — a race with another writer of the same key remains
 * there, harmless for repository objects, whose names are content hashes or random ids.
 *
 * <p><b>Integrity.</b> Uploads carry a CRC32C checksum that S3 verifies before storing (and, over plain
 * HTTP, SigV4 signs every chunk of the body). Whole-object reads are checked against the CRC32C of the
 * whole object kept in its metadata ({@link S3ObjectMetadata}), and against S3's own checksum where the
 * SDK gets one; a mismatch is read again, up to {@link S3StoreOptions#maxAttempts()} times. Ranged
 * reads (blobs out of packs) carry no checksum — S3 keeps none per range — and rely on the
 * repository's authenticated encryption.
 *
 * <p><b>Retries.</b> The SDK's standard strategy: up to {@link S3StoreOptions#maxAttempts()} attempts
 * with exponential backoff and full jitter on 5xx, throttling (503 SlowDown), timeouts and connection
 * resets, with a time limit per attempt and per request. A conditional put retried after a lost
 * response meets its own object (412): a random write id in its metadata tells it apart from an
 * object that was there before ({@link S3ConditionalWrite}).
 *
 * <p><b>Concurrency.</b> The store is thread-safe and starts no threads: concurrency is the callers'
 * (the backup pipeline uploads with 2 threads), so requests in flight stay bounded by them.
 *
 * <p>Every HTTP request is counted in {@link #stats()} (see {@link S3RequestCounter}); {@link StoreFaults}
 * is consulted once per store call, before any request, as {@code LocalDirectoryStore} does.
 */
public final class S3ObjectStore implements ObjectStore {
    static final ChecksumAlgorithm CHECKSUM = ChecksumAlgorithm.CRC32_C;
    static final String CONTENT_TYPE = "application/octet-stream";

    private final S3Location location;
    private final S3StoreOptions options;
    private final StoreFaults faults;
    private final StoreStats stats = new StoreStats();
    private final S3Errors errors;
    private final SdkHttpClient http;
    private final S3Client client;
    private final SdkAutoCloseable ownedCredentials;
    private final S3ConditionalWrite conditional;
    private final S3UploadResend resend;
    private final S3MultipartUpload multipart;

    /** A store with the SDK's default credentials chain and options from {@code summit.s3.*} properties. */
    public static S3ObjectStore open(S3Location location) {
        S3StoreOptions options = S3StoreOptions.fromSystemProperties();
        DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
        try {
            return new S3ObjectStore(location, credentials, options, StoreFaults.NONE, credentials);
        } catch (RuntimeException e) {
            credentials.close();
            throw e;
        }
    }

    public S3ObjectStore(S3Location location, AwsCredentialsProvider credentials, S3StoreOptions options) {
        this(location, credentials, options, StoreFaults.NONE);
    }

    /** A store whose calls first consult {@code faults}; used by fault-injection tests. */
    public S3ObjectStore(S3Location location, AwsCredentialsProvider credentials, S3StoreOptions options, StoreFaults faults) {
        this(location, credentials, options, faults, null);
    }

    private S3ObjectStore(S3Location location, AwsCredentialsProvider credentials, S3StoreOptions options,
                          StoreFaults faults, SdkAutoCloseable ownedCredentials) {
        this.location = location;
        this.options = options;
        this.faults = faults;
        this.errors = new S3Errors(location);
        this.ownedCredentials = ownedCredentials;
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(options.connectTimeout())
                .socketTimeout(options.socketTimeout())
                .build();
        try {
            this.client = buildClient(credentials);
        } catch (SdkException e) {
            http.close();
            throw errors.translate(e, "connect to", "");
        }
        this.conditional = new S3ConditionalWrite(client, location, errors);
        this.resend = new S3UploadResend(client, location, options.maxAttempts());
        this.multipart = new S3MultipartUpload(client, location, options, errors, conditional, resend);
    }

    private S3Client buildClient(AwsCredentialsProvider credentials) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(http)
                .credentialsProvider(credentials)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED)
                .forcePathStyle(location.pathStyle())
                .overrideConfiguration(o -> o
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(options.maxAttempts())
                                .retryOnException(S3Errors::damagedInTransit)
                                .build())
                        .apiCallAttemptTimeout(options.attemptTimeout())
                        .apiCallTimeout(options.callTimeout())
                        .addExecutionInterceptor(new S3RequestCounter(stats))
                        .addExecutionInterceptor(new S3RetryLog()));
        if (location.region() != null) {
            builder.region(Region.of(location.region()));
        }
        if (location.endpoint() != null) {
            builder.endpointOverride(location.endpoint());
        } else {
            // On AWS a bucket may live in another region than the one configured; follow it.
            builder.crossRegionAccessEnabled(true);
        }
        return builder.build();
    }

    public S3Location s3Location() {
        return location;
    }

    /** The SDK client, for {@link S3Bucket} (bucket sources and targets) on the same connection settings. */
    S3Client client() {
        return client;
    }

    S3Errors errors() {
        return errors;
    }

    StoreFaults faults() {
        return faults;
    }

    @Override
    public String location() {
        return location.toString();
    }

    @Override
    public void put(String name, byte[] data, int offset, int length) {
        faults.before(StoreFaults.Call.PUT, name);
        String key = location.key(checkName(name));
        String writeId = S3ObjectMetadata.newWriteId();
        if (S3MultipartUpload.partCount(length, options.partSize()) > 1) {
            multipart.put(name, key, writeId, data, offset, length);
            return;
        }
        try {
            resend.send(key, () -> client.putObject(b -> b.bucket(location.bucket()).key(key).ifNoneMatch("*")
                            .checksumAlgorithm(CHECKSUM).contentType(CONTENT_TYPE).contentLength((long) length)
                            .metadata(S3ObjectMetadata.forUpload(writeId, data, offset, length)),
                    body(data, offset, length)));
        } catch (SdkException e) {
            conditional.resolve(name, writeId, e);
        }
    }

    @Override
    public void replace(String name, byte[] data) {
        faults.before(StoreFaults.Call.PUT, name);
        String key = location.key(checkName(name));
        String writeId = S3ObjectMetadata.newWriteId();
        try {
            // An unconditional PUT: S3 replaces objects atomically (readers get the old or the new version).
            resend.send(key, () -> client.putObject(b -> b.bucket(location.bucket()).key(key)
                            .checksumAlgorithm(CHECKSUM).contentType(CONTENT_TYPE).contentLength((long) data.length)
                            .metadata(S3ObjectMetadata.forUpload(writeId, data, 0, data.length)),
                    body(data, 0, data.length)));
        } catch (SdkException e) {
            throw errors.translate(e, "replace", name);
        }
    }

    /** Packs fill a private temporary file (ciphertext only) until their upload: see {@link StagedObject}. */
    @Override
    public java.util.Optional<StagedObject> stage(String name) {
        checkName(name);
        return java.util.Optional.of(StagedObject.spooled(this, name));
    }

    static RequestBody body(byte[] data, int offset, int length) {
        // A fresh stream per attempt, over the caller's array: retries resend without a copy.
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, offset, length), length, CONTENT_TYPE);
    }

    @Override
    public byte[] get(String name) {
        faults.before(StoreFaults.Call.GET, name);
        String key = location.key(checkName(name));
        for (int read = 1; ; read++) {
            ResponseBytes<GetObjectResponse> response;
            try {
                response = client.getObjectAsBytes(b -> b.bucket(location.bucket()).key(key).checksumMode(ChecksumMode.ENABLED));
            } catch (SdkException e) {
                throw errors.translate(e, "read", name);
            }
            byte[] bytes = response.asByteArrayUnsafe();
            String expected = response.response().metadata().get(S3ObjectMetadata.CRC32C);
            String actual = expected == null ? null : S3ObjectMetadata.crc32c(bytes, 0, bytes.length);
            if (expected == null || expected.equals(actual)) {
                return bytes;
            }
            // Damaged in transit (read again) or at rest (every read disagrees): say which after the last try.
            if (read >= options.maxAttempts()) {
                throw new StoreException("checksum mismatch reading " + key + " in bucket " + location.bucket() + " at "
                        + location.endpointDescription() + ": CRC32C " + actual + " of the " + bytes.length
                        + " bytes received, " + expected + " stored with the object, in " + read + " reads");
            }
        }
    }

    @Override
    public byte[] getRange(String name, long offset, int length) {
        faults.before(StoreFaults.Call.GET, name);
        String key = location.key(checkName(name));
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range " + offset + "+" + length + " of " + name);
        }
        if (length == 0) {
            // HTTP cannot ask for zero bytes; check that the range lies inside the object.
            long size = head(name).contentLength();
            if (offset > size) {
                throw truncated(name, offset, length, size);
            }
            return new byte[0];
        }
        ResponseBytes<GetObjectResponse> response;
        try {
            response = client.getObjectAsBytes(b -> b.bucket(location.bucket()).key(key)
                    .range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 416) {
                throw truncated(name, offset, length, head(name).contentLength());
            }
            throw errors.translate(e, "read", name);
        } catch (SdkException e) {
            throw errors.translate(e, "read", name);
        }
        byte[] bytes = response.asByteArrayUnsafe();
        if (response.response().contentRange() == null && bytes.length >= offset + length) {
            // A server that ignores Range sends the whole object.
            return Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
        }
        if (bytes.length != length) {
            throw truncated(name, offset, length, head(name).contentLength());
        }
        return bytes;
    }

    private StoreException truncated(String name, long offset, int length, long size) {
        return new StoreException("object " + name + " in " + location() + " is truncated: wanted "
                + length + " bytes at offset " + offset + ", it has " + size);
    }

    @Override
    public long size(String name) {
        faults.before(StoreFaults.Call.HEAD, name);
        return head(checkName(name)).contentLength();
    }

    @Override
    public boolean exists(String name) {
        faults.before(StoreFaults.Call.HEAD, name);
        try {
            head(checkName(name));
            return true;
        } catch (ObjectNotFoundException e) {
            return false;
        }
    }

    private HeadObjectResponse head(String name) {
        try {
            return client.headObject(b -> b.bucket(location.bucket()).key(location.key(name)));
        } catch (SdkException e) {
            StoreException error = errors.translate(e, "stat", name);
            if (error instanceof S3AccessDeniedException && e instanceof AwsServiceException s
                    && (s.awsErrorDetails() == null || s.awsErrorDetails().errorCode() == null)) {
                // A HEAD response has no body, hence no error code: ask a LIST, whose answer says
                // whether the credentials or the policy are wrong.
                try {
                    client.listObjectsV2(b -> b.bucket(location.bucket()).prefix(location.key(name)).maxKeys(1));
                } catch (SdkException probe) {
                    StoreException precise = errors.translate(probe, "stat", name);
                    precise.addSuppressed(e);
                    throw precise;
                }
            }
            throw error;
        }
    }

    @Override
    public List<String> list(String prefix) {
        faults.before(StoreFaults.Call.LIST, prefix);
        String keyPrefix = location.keyPrefix() + (prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/");
        int strip = location.keyPrefix().length();
        List<String> names = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page;
            try {
                page = client.listObjectsV2(b -> b.bucket(location.bucket()).prefix(keyPrefix).continuationToken(continuation));
            } catch (SdkException e) {
                throw errors.translate(e, "list", prefix);
            }
            for (S3Object object : page.contents()) {
                // Keys ending in '/' are "folder" markers made by consoles, not repository objects.
                if (!object.key().endsWith("/")) {
                    names.add(object.key().substring(strip));
                }
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return names;
    }

    @Override
    public void delete(String name) {
        faults.before(StoreFaults.Call.DELETE, name);
        String key = location.key(checkName(name));
        try {
            client.deleteObject(b -> b.bucket(location.bucket()).key(key));
        } catch (SdkException e) {
            StoreException error = errors.translate(e, "delete", name);
            if (!(error instanceof ObjectNotFoundException)) {
                throw error;
            }
            // Some S3-compatible servers answer 404 for an absent key; deletes are idempotent.
        }
    }

    @Override
    public StoreStats stats() {
        return stats;
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            http.close();
            if (ownedCredentials != null) {
                ownedCredentials.close();
            }
        }
    }

    private static String checkName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/") || name.contains("..") || name.contains("\\")
                || name.contains("//")) {
            throw new IllegalArgumentException("invalid object name: " + name);
        }
        return name;
    }
}
