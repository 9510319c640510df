package dr.summit.repository.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

import java.nio.charset.StandardCharsets;

/** HKDF-SHA256 (RFC 5869) for deriving one-purpose keys from the repository's key material. */
public final class Hkdf {
    private Hkdf() {
    }

    /** A 32-byte key for {@code label}, bound to {@code context} (e.g. a pack id). */
    public static byte[] derive(byte[] inputKey, String label, byte[] context) {
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[labelBytes.length + 1 + context.length];
        System.arraycopy(labelBytes, 0, info, 0, labelBytes.length);
        // 0x00 separates label from context so no (label, context) pair can alias another.
        System.arraycopy(context, 0, info, labelBytes.length + 1, context.length);
        HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
        generator.init(new HKDFParameters(inputKey, null, info));
        byte[] out = new byte[32];
        generator.generateBytes(out, 0, out.length);
        return out;
    }
}
