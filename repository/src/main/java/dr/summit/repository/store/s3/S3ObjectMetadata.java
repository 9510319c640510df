package dr.summit.repository.store.s3;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * What the store writes into every object's user metadata ({@code x-amz-meta-*}), and reads back with
 * the object at no extra request:
 * <ul>
 *   <li>{@value #WRITE_ID}: random per put, so a retried put can tell its own object from one that
 *       was there before ({@link S3ConditionalWrite});</li>
 *   <li>{@value #CRC32C}: CRC32C of the whole object, so whole-object reads are checked end to end even
 *       where the server keeps no checksum of its own (S3Proxy, older S3-compatible servers) or the
 *       object went up in parts (S3's checksum of a multipart object covers the parts, not the whole).</li>
 * </ul>
 */
final class S3ObjectMetadata {
    static final String WRITE_ID = "summit-write-id";
    static final String CRC32C = "summit-crc32c";
    private static final SecureRandom RANDOM = new SecureRandom();

    private S3ObjectMetadata() {
    }

    static String newWriteId() {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    static Map<String, String> forUpload(String writeId, byte[] data, int offset, int length) {
        return Map.of(WRITE_ID, writeId, CRC32C, crc32c(data, offset, length));
    }

    static String crc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return String.format("%08x", crc.getValue());
    }
}
