package dr.summit.repository.store.s3;

import dr.summit.repository.store.ObjectNotFoundException;
import dr.summit.repository.store.StoreException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Turns SDK exceptions into the store's typed, one-line errors that name the endpoint, the bucket and
 * the key, and say what the operator can do about them.
 */
final class S3Errors {
    private static final Set<String> BAD_CREDENTIALS = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch",
            "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "InvalidSecurity", "AuthorizationHeaderMalformed");

    private final S3Location location;
    private final String storeLocation;

    S3Errors(S3Location location) {
        this.location = location;
        this.storeLocation = location.toString();
    }

    /**
     * The error for a failed request.
     *
     * @param action what was attempted, in words: "write", "read", "stat", "list", "delete"
     * @param name   the repository object name (or list prefix) the request was about
     */
    StoreException translate(SdkException e, String action, String name) {
        String key = action.equals("list") ? location.keyPrefix() + name : location.key(name);
        if (key.isEmpty()) {
            key = "the bucket root";
        }
        String bucket = location.bucket();
        String endpoint = location.endpointDescription();
        String attempts = e.numAttempts() != null && e.numAttempts() > 1 ? " after " + e.numAttempts() + " attempts" : "";
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
            int status = service.statusCode();
            if ("NoSuchBucket".equals(code)) {
                return new BucketNotFoundException("bucket " + bucket + " does not exist at " + endpoint, e);
            }
            if ("NoSuchKey".equals(code) || (status == 404 && code == null) || (status == 404 && "NotFound".equals(code))) {
                return new ObjectNotFoundException(storeLocation, name);
            }
            if (code != null && BAD_CREDENTIALS.contains(code)) {
                return new S3AccessDeniedException("access denied to bucket " + bucket + " at " + endpoint
                        + ": check credentials (" + code + " on " + action + " of " + key + ")", e);
            }
            if (status == 403) {
                return new S3AccessDeniedException("access denied to " + key + " in bucket " + bucket + " at " + endpoint
                        + " (" + (code == null ? "HTTP 403" : code) + " on " + action
                        + "): check credentials and the bucket policy", e);
            }
            return new StoreException("cannot " + action + " " + key + " in bucket " + bucket + " at " + endpoint
                    + ": HTTP " + status + (code == null ? "" : " " + code) + messageOf(service) + attempts, e);
        }
        if (unreachable(e)) {
            return new EndpointUnreachableException("cannot reach s3 endpoint " + endpoint + " (bucket " + bucket
                    + ", " + action + " " + key + "): " + rootMessage(e) + attempts, e);
        }
        String message = oneLine(e.getMessage());
        if (message.startsWith("Unable to load credentials")) {
            return new S3AccessDeniedException("no S3 credentials for bucket " + bucket + " at " + endpoint
                    + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or a web identity token", e);
        }
        if (message.startsWith("Unable to load region")) {
            return new StoreException("no AWS region for bucket " + bucket
                    + ": set AWS_REGION or add ?region=REGION to the repository location", e);
        }
        return new StoreException("cannot " + action + " " + key + " in bucket " + bucket + " at " + endpoint
                + ": " + rootMessage(e) + attempts, e);
    }

    private static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof SocketTimeoutException || t instanceof SSLException
                    || t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * An upload the server refused because its body did not match its checksum or signature: damaged on
     * the way, worth sending again (the SDK's standard strategy does not retry a 400 or 403).
     */
    static boolean damagedInTransit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // A response body damaged on the way (a listing's XML cut or altered) fails to parse.
            if (t instanceof javax.xml.stream.XMLStreamException) {
                return true;
            }
        }
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            String code = s.awsErrorDetails().errorCode();
            return "BadDigest".equals(code) || "XAmzContentChecksumMismatch".equals(code)
                    || "XAmzContentSHA256Mismatch".equals(code) || "IncompleteBody".equals(code);
        }
        return false;
    }

    /** True when the request never reached a server (refused, unknown host), so it cannot have had an effect. */
    static boolean nothingSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message, which is the one that says what happened ("Connection refused"). */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (root instanceof UnknownHostException) {
            return "unknown host " + message;
        }
        if (message == null || message.isBlank()) {
            return root.getClass().getSimpleName();
        }
        return oneLine(message);
    }

    private static String messageOf(AwsServiceException e) {
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return message == null || message.isBlank() ? "" : " (" + oneLine(message) + ")";
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
