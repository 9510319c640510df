package dr.summit.repository.crypto.envelope;

import dr.summit.repository.crypto.envelope.EnvelopeException.Reason;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.Features;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.PBESecretKeyEncryptor;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.PGPKeyPairGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyEncryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPairGeneratorProvider;
import org.bouncycastle.util.encoders.Hex;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** OpenPGP keys: reading certificates and secret keys (armored or binary), and generating a key pair gpg 2.2 accepts. */
public final class PgpKeys {
    /** Encoded S2K iteration count for secret keys and passphrases: 0xff = 65 011 712 bytes hashed, as gpg calibrates on fast machines. */
    static final int S2K_COUNT = 0xff;

    private static final SecureRandom RANDOM = new SecureRandom();

    private PgpKeys() {
    }

    /** Key types {@link #generate} makes. Both are v4 keys gpg 2.2 reads (no RFC 9580 v6 keys). */
    public enum Algorithm {
        /** Ed25519 (EdDSA) primary key for certification, Curve25519 ECDH subkey for encryption (gpg's "default"). */
        ED25519,
        /** RSA-3072 primary and RSA-3072 encryption subkey. */
        RSA3072
    }

    /** A generated key: its fingerprint, the secret and public keys ASCII-armored. Zero {@code armoredSecretKey} when done. */
    public record GeneratedKey(String fingerprint, String userId, byte[] armoredSecretKey, byte[] armoredPublicKey) {
    }

    /**
     * The encryption key of every certificate in a key file (public keys, or secret keys whose public
     * part is used): per certificate the newest valid key that may encrypt.
     *
     * @throws EnvelopeException ({@link Reason#INVALID_KEY}) when the file holds no key, or a certificate has no usable encryption key
     */
    public static List<PGPPublicKey> readEncryptionKeys(InputStream in) throws IOException {
        List<PGPPublicKey> keys = new ArrayList<>();
        for (Object ring : readKeyRings(in)) {
            Iterator<PGPPublicKey> publicKeys = ring instanceof PGPPublicKeyRing p ? p.getPublicKeys() : ((PGPSecretKeyRing) ring).getPublicKeys();
            PGPPublicKey primary = null;
            PGPPublicKey best = null;
            while (publicKeys.hasNext()) {
                PGPPublicKey key = publicKeys.next();
                if (key.isMasterKey()) {
                    primary = key;
                }
                if (usableForEncryption(key) && (best == null || !key.getCreationTime().before(best.getCreationTime()))) {
                    best = key;
                }
            }
            if (primary != null && primary.hasRevocation()) {
                throw new EnvelopeException(Reason.INVALID_KEY, "certificate " + fingerprint(primary) + " is revoked");
            }
            if (best == null) {
                throw new EnvelopeException(Reason.INVALID_KEY, "certificate " + (primary == null ? "?" : fingerprint(primary))
                        + " has no valid encryption key");
            }
            keys.add(best);
        }
        if (keys.isEmpty()) {
            throw new EnvelopeException(Reason.INVALID_KEY, "no OpenPGP key found");
        }
        return keys;
    }

    /**
     * The secret keys of a secret key file (what {@code gpg --export-secret-keys} writes, armored or not).
     *
     * @throws EnvelopeException ({@link Reason#INVALID_KEY}) when the file holds only public keys or nothing usable
     */
    public static List<PGPSecretKeyRing> readSecretKeys(InputStream in) throws IOException {
        List<PGPSecretKeyRing> rings = new ArrayList<>();
        boolean publicOnly = false;
        for (Object ring : readKeyRings(in)) {
            if (ring instanceof PGPSecretKeyRing secret) {
                rings.add(secret);
            } else {
                publicOnly = true;
            }
        }
        if (rings.isEmpty()) {
            throw new EnvelopeException(Reason.INVALID_KEY, publicOnly
                    ? "holds only public keys, not a secret key (export it with gpg --export-secret-keys)"
                    : "no OpenPGP secret key found");
        }
        return rings;
    }

    /**
     * Generates a v4 key pair with one user id: a certifying primary key and an encryption subkey,
     * self-signed with SHA-512, preferring AES-256, advertising MDC. With a passphrase the secret
     * keys are protected with AES-256 and an iterated, salted SHA-256 S2K (what gpg reads back).
     */
    public static GeneratedKey generate(String userId, Algorithm algorithm, char[] passphrase, Date created) {
        if (userId == null || userId.isBlank()) {
            throw new IllegalArgumentException("a user id is needed, e.g. \"Backup Operator <ops@example.org>\"");
        }
        try {
            PGPKeyPairGenerator generator = new BcPGPKeyPairGeneratorProvider().setSecureRandom(RANDOM).get(PublicKeyPacket.VERSION_4, created);
            PGPKeyPair primary = algorithm == Algorithm.ED25519 ? generator.generateLegacyEd25519KeyPair() : generator.generateRsaKeyPair(3072);
            PGPKeyPair subkey = algorithm == Algorithm.ED25519 ? generator.generateLegacyX25519KeyPair() : generator.generateRsaKeyPair(3072);

            PGPSignatureSubpacketGenerator certification = new PGPSignatureSubpacketGenerator();
            certification.setKeyFlags(true, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            certification.setPreferredSymmetricAlgorithms(false, new int[]{SymmetricKeyAlgorithmTags.AES_256,
                    SymmetricKeyAlgorithmTags.AES_192, SymmetricKeyAlgorithmTags.AES_128});
            certification.setPreferredHashAlgorithms(false, new int[]{HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA384,
                    HashAlgorithmTags.SHA256});
            certification.setPreferredCompressionAlgorithms(false, new int[]{CompressionAlgorithmTags.ZLIB,
                    CompressionAlgorithmTags.ZIP, CompressionAlgorithmTags.UNCOMPRESSED});
            certification.setFeature(false, Features.FEATURE_MODIFICATION_DETECTION);
            certification.setIssuerFingerprint(false, primary.getPublicKey());

            PGPSignatureSubpacketGenerator binding = new PGPSignatureSubpacketGenerator();
            binding.setKeyFlags(true, KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE);
            binding.setIssuerFingerprint(false, primary.getPublicKey());

            PGPDigestCalculator sha1 = new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1);
            PBESecretKeyEncryptor protection = passphrase == null ? null
                    : new BcPBESecretKeyEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256,
                    new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA256), S2K_COUNT).setSecureRandom(RANDOM).build(passphrase);
            PGPKeyRingGenerator rings = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary, userId, sha1,
                    certification.generate(), null,
                    new BcPGPContentSignerBuilder(primary.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA512), protection);
            rings.addSubKey(subkey, binding.generate(), null);
            PGPSecretKeyRing secret = rings.generateSecretKeyRing();
            PGPPublicKeyRing certificate = rings.generatePublicKeyRing();
            return new GeneratedKey(fingerprint(certificate.getPublicKey()), userId, armor(secret.getEncoded()),
                    armor(certificate.getEncoded()));
        } catch (PGPException | IOException e) {
            throw new IllegalStateException("OpenPGP key generation failed: " + e.getMessage(), e);
        }
    }

    /** One certificate as stored in a key slot: its primary key's fingerprint and the public key, armored. */
    public record Certificate(String fingerprint, String armoredPublicKey) {
    }

    /**
     * The single certificate of a public (or secret) key file, reduced to its public part.
     *
     * @throws EnvelopeException ({@link Reason#INVALID_KEY}) when the file holds no certificate, several, or one without a usable encryption key
     */
    public static Certificate readCertificate(byte[] file) throws IOException {
        List<PGPPublicKey> encryption = readEncryptionKeys(new java.io.ByteArrayInputStream(file));
        List<Object> rings = readKeyRings(new java.io.ByteArrayInputStream(file));
        if (rings.size() != 1 || encryption.size() != 1) {
            throw new EnvelopeException(Reason.INVALID_KEY, "the file holds " + rings.size() + " certificates; give exactly one");
        }
        PGPPublicKeyRing publicRing = rings.get(0) instanceof PGPPublicKeyRing p ? p
                : ((PGPSecretKeyRing) rings.get(0)).toCertificate();
        return new Certificate(fingerprint(publicRing.getPublicKey()),
                new String(armor(publicRing.getEncoded()), java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Upper-case hex fingerprint, as gpg prints it. */
    public static String fingerprint(PGPPublicKey key) {
        return Hex.toHexString(key.getFingerprint()).toUpperCase(Locale.ROOT);
    }

    /** The 16-hex-digit key id gpg shows for a (sub)key. */
    static String keyId(long keyId) {
        return String.format(Locale.ROOT, "%016X", keyId);
    }

    static boolean usableForEncryption(PGPPublicKey key) {
        if (!key.isEncryptionKey() || key.hasRevocation()) {
            return false;
        }
        long validSeconds = key.getValidSeconds();
        if (validSeconds > 0 && key.getCreationTime().getTime() + validSeconds * 1000 < System.currentTimeMillis()) {
            return false;
        }
        // Key flags, where the self-signature has them, must allow encryption (an RSA primary key
        // flagged certify+sign is an "encryption key" by algorithm only).
        Iterator<PGPSignature> signatures = key.getSignatures();
        boolean flagged = false;
        while (signatures.hasNext()) {
            PGPSignature signature = signatures.next();
            if (signature.getHashedSubPackets() != null && signature.getHashedSubPackets().hasSubpacket(
                    org.bouncycastle.bcpg.SignatureSubpacketTags.KEY_FLAGS)) {
                flagged = true;
                if ((signature.getHashedSubPackets().getKeyFlags() & (KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE)) != 0) {
                    return true;
                }
            }
        }
        return !flagged;
    }

    private static List<Object> readKeyRings(InputStream in) throws IOException {
        List<Object> rings = new ArrayList<>();
        InputStream decoded = PGPUtil.getDecoderStream(in instanceof BufferedInputStream ? in : new BufferedInputStream(in));
        BcPGPObjectFactory factory = new BcPGPObjectFactory(decoded);
        try {
            Object object;
            while ((object = factory.nextObject()) != null) {
                if (object instanceof PGPPublicKeyRing || object instanceof PGPSecretKeyRing) {
                    rings.add(object);
                } else if (!(object instanceof PGPMarker)) {
                    throw new EnvelopeException(Reason.INVALID_KEY, "not an OpenPGP key file (found " + object.getClass().getSimpleName() + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof EnvelopeException envelope) {
                throw envelope;
            }
            if (rings.isEmpty()) {
                throw new EnvelopeException(Reason.INVALID_KEY, "not an OpenPGP key file (" + e.getMessage() + ")", e);
            }
            // Trailing garbage after valid keys: use what was read, as gpg does.
        }
        return rings;
    }

    private static byte[] armor(byte[] encoded) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ArmoredOutputStream armored = ArmoredOutputStream.builder().clearHeaders().build(bytes)) {
            armored.write(encoded);
        }
        java.util.Arrays.fill(encoded, (byte) 0);
        return bytes.toByteArray();
    }

    /** The secret key matching a key id or fingerprint in any of {@code rings}, or null. */
    static PGPSecretKey secretKey(List<PGPSecretKeyRing> rings, org.bouncycastle.bcpg.KeyIdentifier keyId) {
        for (PGPSecretKeyRing ring : rings) {
            PGPSecretKey key = ring.getSecretKey(keyId);
            if (key != null) {
                return key;
            }
        }
        return null;
    }
}
