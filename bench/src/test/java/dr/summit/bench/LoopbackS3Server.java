package dr.summit.bench;

import java.net.URI;
import java.time.Duration;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * An S3-compatible server (S3Proxy, in memory) on 127.0.0.1 for bench/s3-compare.sh: the real S3
 * protocol (SigV4, multipart, conditional writes) without a network. Not a test: a main the script
 * starts; prints "READY PORT" once serving, and runs until killed.
 *
 * <p>Arguments: PORT ACCESS_KEY SECRET_KEY BUCKET...; buckets are created at start.
 */
public final class LoopbackS3Server {
    private LoopbackS3Server() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        TransientNio2BlobStore store = new TransientNio2BlobStore();
        S3Proxy proxy = S3Proxy.builder().blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, args[1], args[2])
                .build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        try (software.amazon.awssdk.services.s3.S3Client admin = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + proxy.getPort()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(args[1], args[2])))
                .build()) {
            for (int i = 3; i < args.length; i++) {
                String bucket = args[i];
                admin.createBucket(b -> b.bucket(bucket));
            }
        }
        System.out.println("READY " + proxy.getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
