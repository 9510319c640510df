package dr.summit.repository.store.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a repository lives on S3: an endpoint (or AWS itself), a bucket and a key prefix.
 *
 * <p>Two spellings are accepted, both with optional {@code ?region=R&addressing=path|virtual}:
 * <ul>
 *   <li>{@code s3:https://HOST[:PORT]/BUCKET[/PREFIX]} (or {@code s3:http://…}): any S3-compatible
 *       endpoint; region us-east-1 and path-style addressing unless the query says otherwise;</li>
 *   <li>{@code s3://BUCKET[/PREFIX]}: AWS S3, the region from the SDK's chain ({@code AWS_REGION},
 *       {@code aws.region}, the profile, instance metadata) and virtual-host addressing.</li>
 * </ul>
 *
 * @param endpoint  scheme://host[:port]/ of a custom endpoint; null for AWS
 * @param bucket    the bucket name
 * @param prefix    key prefix without leading or trailing '/', "" for the bucket root
 * @param region    signing region; null means "let the SDK's region chain decide" (AWS only)
 * @param pathStyle true for https://host/bucket/key, false for https://bucket.host/key
 */
public record S3Location(URI endpoint, String bucket, String prefix, String region, boolean pathStyle) {
    public static final String SCHEME = "s3:";
    static final String DEFAULT_CUSTOM_REGION = "us-east-1";
    private static final String EXPECTED =
            "expected s3:https://HOST[:PORT]/BUCKET[/PREFIX] or s3://BUCKET[/PREFIX], optionally ?region=R&addressing=path|virtual";
    // DNS-compatible bucket names (AWS rules); the SDK rejects shorter names on its own, less clearly.
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{2,32}");

    public S3Location {
        if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("invalid S3 bucket name '" + bucket
                    + "': 3 to 63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit");
        }
        if (prefix == null) {
            prefix = "";
        }
        checkPrefix(prefix);
        if (region != null && !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("invalid S3 region '" + region + "' (e.g. us-east-1, eu-central-1)");
        }
    }

    public static boolean isS3(String location) {
        return location != null && location.startsWith(SCHEME);
    }

    /** Parses a {@code --repo} value; the message of the IllegalArgumentException is for operators. */
    public static S3Location parse(String location) {
        if (!isS3(location)) {
            throw new IllegalArgumentException("not an S3 location: " + location + " (" + EXPECTED + ")");
        }
        String rest = location.substring(SCHEME.length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        try {
            Map<String, String> options = parseQuery(query);
            String regionOption = options.get("region");
            String addressing = options.getOrDefault("addressing", "");
            if (!addressing.isEmpty() && !addressing.equals("path") && !addressing.equals("virtual")) {
                throw new IllegalArgumentException("addressing must be 'path' or 'virtual', not '" + addressing + "'");
            }
            if (rest.startsWith("//")) {
                BucketAndPrefix bp = bucketAndPrefix(rest.substring(2));
                return new S3Location(null, bp.bucket(), bp.prefix(), regionOption, addressing.equals("path"));
            }
            int schemeEnd = rest.indexOf("://");
            String scheme = schemeEnd < 0 ? "" : rest.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new IllegalArgumentException("the endpoint must start with https:// or http://");
            }
            String afterScheme = rest.substring(schemeEnd + 3);
            int slash = afterScheme.indexOf('/');
            String authority = slash < 0 ? afterScheme : afterScheme.substring(0, slash);
            if (authority.contains("@")) {
                // Never echo the location: it may hold a secret.
                throw new SecretInLocationException();
            }
            URI endpoint = endpoint(scheme, authority);
            if (slash < 0 || afterScheme.substring(slash + 1).isEmpty()) {
                throw new IllegalArgumentException("no bucket after the endpoint");
            }
            BucketAndPrefix bp = bucketAndPrefix(afterScheme.substring(slash + 1));
            String region = regionOption != null ? regionOption : DEFAULT_CUSTOM_REGION;
            return new S3Location(endpoint, bp.bucket(), bp.prefix(), region, !addressing.equals("virtual"));
        } catch (SecretInLocationException e) {
            throw new IllegalArgumentException("invalid S3 location: credentials in the location are not supported;"
                    + " set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) instead");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid S3 location '" + location + "': " + e.getMessage() + " (" + EXPECTED + ")");
        }
    }

    /** The key of a repository object name. */
    public String key(String name) {
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** The prefix every key of this repository starts with: "" or "PREFIX/". */
    public String keyPrefix() {
        return prefix.isEmpty() ? "" : prefix + "/";
    }

    /** The endpoint as operators know it, for error messages. */
    public String endpointDescription() {
        if (endpoint != null) {
            return endpoint.toString();
        }
        return region == null ? "AWS S3" : "AWS S3 (" + region + ")";
    }

    /** Canonical spelling, which {@link #parse} reads back to an equal location. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(SCHEME);
        if (endpoint == null) {
            s.append("//").append(bucket);
        } else {
            s.append(endpoint).append(bucket);
        }
        if (!prefix.isEmpty()) {
            s.append('/').append(prefix);
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (endpoint == null ? region != null : !region.equals(DEFAULT_CUSTOM_REGION)) {
            query.put("region", region);
        }
        if (endpoint == null ? pathStyle : !pathStyle) {
            query.put("addressing", pathStyle ? "path" : "virtual");
        }
        String sep = "?";
        for (Map.Entry<String, String> e : query.entrySet()) {
            s.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return s.toString();
    }

    private record BucketAndPrefix(String bucket, String prefix) {
    }

    private static BucketAndPrefix bucketAndPrefix(String path) {
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            throw new IllegalArgumentException("no bucket given");
        }
        int slash = path.indexOf('/');
        return slash < 0 ? new BucketAndPrefix(path, "") : new BucketAndPrefix(path.substring(0, slash), path.substring(slash + 1));
    }

    private static URI endpoint(String scheme, String authority) {
        if (authority.isEmpty()) {
            throw new IllegalArgumentException("no host in the endpoint");
        }
        URI uri;
        try {
            uri = new URI(scheme + "://" + authority + "/");
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed endpoint " + scheme + "://" + authority + " (" + e.getReason() + ")");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("malformed endpoint host or port in " + scheme + "://" + authority);
        }
        if (authority.contains(":") && !authority.endsWith("]") && uri.getPort() < 0) {
            throw new IllegalArgumentException("malformed port in " + scheme + "://" + authority);
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("port out of range in " + scheme + "://" + authority);
        }
        return uri;
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> options = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return options;
        }
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            if (!key.equals("region") && !key.equals("addressing")) {
                throw new IllegalArgumentException("unknown option '" + key + "' (known: region, addressing)");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException("option '" + key + "' needs a value");
            }
            if (options.put(key, value) != null) {
                throw new IllegalArgumentException("option '" + key + "' given twice");
            }
        }
        return options;
    }

    private static void checkPrefix(String prefix) {
        if (prefix.isEmpty()) {
            return;
        }
        if (prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("invalid S3 key prefix '" + prefix + "': no leading or trailing '/'");
        }
        for (String segment : prefix.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid S3 key prefix '" + prefix + "': empty, '.' or '..' path segment");
            }
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("invalid S3 key prefix '" + prefix + "': control character or backslash");
            }
        }
    }

    /** Internal marker: the authority held user info, which must not appear in any message. */
    private static final class SecretInLocationException extends RuntimeException {
        SecretInLocationException() {
            super(null, null, false, false);
        }
    }
}
