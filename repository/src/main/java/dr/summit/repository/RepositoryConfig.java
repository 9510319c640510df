package dr.summit.repository;

import dr.summit.repository.blob.Compression;
import dr.summit.repository.format.ByteReader;
import dr.summit.repository.format.ByteWriter;
import dr.summit.repository.format.Json;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;

/**
 * The repository's config object (docs/repository-format.md, "Config"), stored in plaintext so
 * that the format version can be checked before any key is tried:
 * <pre>"SDRC" version u8 bodyLength u32 body(JSON) mac[32]</pre>
 * The MAC (HMAC-SHA256 under the keyring's config MAC key) is checked once the repository is
 * unlocked, so a tampered chunker or pack setting is refused.
 */
public record RepositoryConfig(String repositoryId, Instant created, int chunkerMin, int chunkerAvg, int chunkerMax,
                               int packSize, String compression, int zstdLevel) {
    public static final String OBJECT_NAME = "config";
    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = {'S', 'D', 'R', 'C'};

    public Compression compressionAlgorithm() {
        return Compression.parse(compression);
    }

    public byte[] encode(byte[] macKey) {
        byte[] body;
        try {
            body = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ByteWriter w = new ByteWriter(body.length + 48);
        w.bytes(MAGIC).u8(FORMAT_VERSION).u32(body.length).bytes(body);
        byte[] unsigned = w.toByteArray();
        return new ByteWriter(unsigned.length + 32).bytes(unsigned).bytes(mac(macKey, unsigned, unsigned.length)).toByteArray();
    }

    /** Parses without checking the MAC: enough to refuse a foreign object or an unknown version. */
    public static RepositoryConfig decode(byte[] bytes, String location) {
        String what = "config of " + location;
        if (bytes.length < 4 || !Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC)) {
            throw new NotARepositoryException(location + " is not a Summit DR repository (its config object has a foreign format)");
        }
        ByteReader r = new ByteReader(bytes, what);
        r.bytes(4);
        int version = r.u8();
        if (version != FORMAT_VERSION) {
            throw new RepositoryException(location + ": repository format version " + version
                    + " is not supported (this build reads version " + FORMAT_VERSION + ")");
        }
        byte[] body = r.bytes(r.count(1));
        r.bytes(32);
        r.expectEnd();
        try {
            RepositoryConfig c = Json.MAPPER.readValue(body, RepositoryConfig.class);
            if (c == null || c.repositoryId() == null || c.chunkerMin() <= 0 || c.chunkerAvg() <= c.chunkerMin()
                    || c.chunkerMax() <= c.chunkerAvg() || c.packSize() <= 0) {
                throw new CorruptObjectException(what + ": invalid settings");
            }
            return c;
        } catch (IOException e) {
            throw new CorruptObjectException(what + ": malformed JSON body", e);
        }
    }

    /** Checks the MAC; a failure means the config was altered or belongs to another keyring. */
    public static void verifyMac(byte[] bytes, byte[] macKey, String location) {
        int bodyEnd = bytes.length - 32;
        byte[] expected = mac(macKey, bytes, bodyEnd);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, bodyEnd, bytes.length))) {
            throw new CorruptObjectException("config of " + location + ": authentication failed (altered, or keys of another repository)");
        }
    }

    private static byte[] mac(byte[] key, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
