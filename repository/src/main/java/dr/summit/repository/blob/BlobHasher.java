package dr.summit.repository.blob;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * Computes blob ids: HMAC-SHA256(idKey, type || plaintext), type being the blob type's one-byte
 * code. The type is hashed in so that a tree and a data chunk with the same bytes (an empty
 * directory's tree and a 5-byte file, say) are different blobs and can never be confused.
 * HMAC-SHA256 rather than BLAKE3: the JDK's SHA-256 uses the CPU's SHA extensions and is several
 * times faster than any Java BLAKE3 here (docs/benchmarks.md). Thread-safe: one Mac per thread.
 */
public final class BlobHasher {
    private final ThreadLocal<Mac> macs;

    public BlobHasher(byte[] idKey) {
        SecretKeySpec key = new SecretKeySpec(idKey.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JVM lacks HmacSHA256", e);
            }
        });
    }

    public BlobId id(BlobType type, byte[] data, int offset, int length) {
        Mac mac = macs.get();
        mac.update((byte) type.code());
        mac.update(data, offset, length);
        return BlobId.of(mac.doFinal());
    }

    public BlobId id(BlobType type, byte[] data) {
        return id(type, data, 0, data.length);
    }
}
